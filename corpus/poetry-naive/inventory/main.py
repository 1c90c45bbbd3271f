from fastapi import FastAPI, HTTPException
from sqlmodel import Field, Session, SQLModel, create_engine, select

app = FastAPI(title="inventory")
engine = create_engine("sqlite:///inventory.db")


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sku: str
    count: int = 0


@app.on_event("startup")
def init():
    SQLModel.metadata.create_all(engine)


@app.get("/items/{sku}")
def get_item(sku: str):
    with Session(engine) as s:
        item = s.exec(select(Item).where(Item.sku == sku)).first()
        if item is None:
            raise HTTPException(404)
        return item
