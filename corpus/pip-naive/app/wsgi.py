import os

import psycopg2
import requests
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/health")
def health():
    return jsonify(status="ok")


@app.get("/rates")
def rates():
    resp = requests.get(os.environ.get("RATES_URL", "https://api.example.com/rates"), timeout=5)
    return jsonify(resp.json())


@app.get("/db")
def db():
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1")
        return jsonify(ok=cur.fetchone()[0] == 1)
