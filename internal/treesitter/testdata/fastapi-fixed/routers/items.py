from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from auth import get_current_user
from db import get_session

router = APIRouter(prefix="/items", tags=["items"])


@router.get("/")
def list_items(session: Session = Depends(get_session)):
    return session.execute(text("SELECT id, name FROM items")).all()


@router.get("/search")
def search_items(q: str, session: Session = Depends(get_session)):
    rows = session.execute(text("SELECT * FROM items WHERE name LIKE :q"), {"q": f"%{q}%"})
    return rows.all()


@router.get("/{item_id}")
def read_item(item_id: int, session: Session = Depends(get_session)):
    return session.execute(text("SELECT * FROM items WHERE id = :id"), {"id": item_id}).first()


@router.delete("/{item_id}")
def delete_item(item_id: int, user=Depends(get_current_user), session: Session = Depends(get_session)):
    session.execute(text("DELETE FROM items WHERE id = :id"), {"id": item_id})
    session.commit()
