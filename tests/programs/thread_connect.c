/* A worker thread connects to a closed port on 127.0.0.1, then the main thread does the same. */
#include <pthread.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>
static void *worker(void *a) { (void)a;
  int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in sa = {0}; sa.sin_family = AF_INET; sa.sin_port = htons(9); sa.sin_addr.s_addr = htonl(0x7f000001);
  connect(s, (struct sockaddr*)&sa, sizeof sa); close(s); return 0; }
int main(void) {
  pthread_t t; pthread_create(&t, 0, worker, 0); pthread_join(t, 0);
  usleep(100000);  /* the worker is joined before it is reaped: let its exit be reported first */
  worker(0); return 0; }
