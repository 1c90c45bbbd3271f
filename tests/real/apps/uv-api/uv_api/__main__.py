from waitress import serve

from uv_api import app

serve(app, host="0.0.0.0", port=18003)
