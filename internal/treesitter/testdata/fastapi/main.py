from fastapi import Depends, FastAPI

from auth import get_current_user
from routers import items, users

app = FastAPI(title="shop")
app.include_router(items.router, prefix="/api")
app.include_router(users.router, prefix="/api/users", dependencies=[Depends(get_current_user)])


@app.get("/health")
def health():
    return {"ok": True}
