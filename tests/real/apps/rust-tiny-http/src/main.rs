use tiny_http::{Response, Server};

fn main() {
    let server = Server::http("0.0.0.0:18009").expect("bind 18009");
    for request in server.incoming_requests() {
        let _ = request.respond(Response::from_string("rust-tiny-http ok\n"));
    }
}
