use axum::{extract::State, routing::get, Json, Router};
use serde::Serialize;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default, Serialize)]
struct Balance {
    cents: i64,
}

type Shared = Arc<Mutex<Balance>>;

async fn balance(State(state): State<Shared>) -> Json<Balance> {
    Json(state.lock().unwrap().clone())
}

#[tokio::main]
async fn main() {
    let state: Shared = Arc::default();
    let app = Router::new().route("/balance", get(balance)).with_state(state);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
