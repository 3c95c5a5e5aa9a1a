// --source test: the guide's client. The test finds each call's line by its marker comment.
use std::io::Write;
use std::net::TcpStream;

fn connect_to_server(port: u16) -> std::io::Result<TcpStream> {
    let addr = format!("127.0.0.1:{}", port);
    TcpStream::connect(addr) // SRC: connect
}

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(9);
    match connect_to_server(port) {
        Ok(mut s) => {
            let _ = s.write_all(b"hi");
        }
        Err(e) => {
            let mut err = std::io::stderr();
            let _ = writeln!(err, "error: {}", e); // SRC: stderr
            std::process::exit(3);
        }
    }
}
