import subprocess

from flask import Flask, jsonify, request
from flask_login import login_required

from blueprints import admin
from blueprints.users import users_bp
from db import get_db

app = Flask(__name__)
app.register_blueprint(users_bp, url_prefix="/api/users")
app.register_blueprint(admin.bp)


@app.route("/")
def index():
    return jsonify(ok=True)


@app.route("/lookup", methods=["GET", "POST"])
@login_required
def lookup():
    domain = request.args.get("domain", "")
    out = subprocess.check_output("nslookup " + domain, shell=True)
    return out


@app.get("/orders/<ref>")
def get_order(ref):
    db = get_db()
    row = db.execute("SELECT * FROM orders WHERE ref = '%s'" % ref).fetchone()
    return jsonify(row)
