"""The Flask app tests/real_clients/run.py serves with Flask's own development server (werkzeug's, one
thread per request natively, one request after another in the sandbox), natively and in the sandbox,
to the same native clients: a route with a parameter, a 1 MB JSON upload, a 3 MB download, a cookie
the client sends back, a 404 and an error page.
usage: flask_app.py PORT"""
import sys

from flask import Flask, abort, jsonify, request

app = Flask(__name__)


@app.get("/hello/<name>")
def hello(name):
    return f"hello {name}"


@app.post("/echo")
def echo():
    body = request.get_json()
    return jsonify(items=len(body["items"]), first=body["items"][0], agent=request.user_agent.string.split("/")[0])


@app.get("/big")
def big():
    return "b" * 3_000_000


@app.get("/visit")
def visit():
    count = int(request.cookies.get("visits", "0")) + 1
    response = app.make_response(f"visit {count}")
    response.set_cookie("visits", str(count))
    return response


@app.get("/teapot")
def teapot():
    abort(418)


app.run("127.0.0.1", int(sys.argv[1]))
