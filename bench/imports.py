# Start-up, then fifteen standard modules that no snapshot holds: what importing costs a program.
import argparse, asyncio, csv, decimal, difflib, email.parser, http.client, json, logging.handlers  # noqa: E401,F401
import sqlite3, tarfile, unittest, urllib.request, xml.dom.minidom, zipfile  # noqa: E401,F401
