from flask import Blueprint, jsonify, request
from flask_jwt_extended import jwt_required

from db import get_db

users_bp = Blueprint("users", __name__, url_prefix="/users")


@users_bp.route("/", methods=["GET"])
def list_users():
    cur = get_db().cursor()
    cur.execute("SELECT id, name FROM users")
    return jsonify(cur.fetchall())


@users_bp.route("/<user_id>")
@jwt_required()
def get_user(user_id):
    cur = get_db().cursor()
    cur.execute("SELECT * FROM users WHERE id = ?", (user_id,))
    return jsonify(cur.fetchone())


@users_bp.post("/search")
def search():
    name = request.json["name"]
    query = "SELECT * FROM users WHERE name = ?"
    cur = get_db().cursor()
    cur.execute(query, (name,))
    return jsonify(cur.fetchall())
