from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def root():
    return {"service": "fastapi-pip", "ok": True}
