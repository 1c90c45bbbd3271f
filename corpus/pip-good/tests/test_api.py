from src.api import app


def test_quote():
    client = app.test_client()
    r = client.post("/quote", json={"sku": "A1", "quantity": 2})
    assert r.get_json()["total"] == 19.98
