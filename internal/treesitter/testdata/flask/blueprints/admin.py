import os

from flask import Blueprint, abort, request

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_login():
    if not request.headers.get("Authorization"):
        abort(401)


@bp.route("/backup", methods=["POST"])
def backup():
    name = request.form["name"]
    os.system("tar czf /backups/%s.tgz /data" % name)
    return "", 204
