import fastapi
import uvicorn
print("poetry-api: ready")
