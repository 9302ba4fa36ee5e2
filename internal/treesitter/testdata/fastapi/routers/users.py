from fastapi import APIRouter, Depends, Security
from sqlalchemy import text
from sqlalchemy.orm import Session

from auth import get_current_user
from db import get_session

router = APIRouter()


@router.get("/me")
def me(user=Security(get_current_user)):
    return user


@router.get("/{user_id}")
def get_user(user_id: str, session: Session = Depends(get_session)):
    return session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id}).first()
