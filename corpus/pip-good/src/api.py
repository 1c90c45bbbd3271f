from flask import Flask, jsonify, request
from pydantic import BaseModel, ValidationError

app = Flask(__name__)


class Quote(BaseModel):
    sku: str
    quantity: int


@app.post("/quote")
def quote():
    try:
        q = Quote.model_validate(request.get_json(force=True))
    except ValidationError as exc:
        return jsonify(error=exc.errors()), 400
    return jsonify(sku=q.sku, total=round(q.quantity * 9.99, 2))
