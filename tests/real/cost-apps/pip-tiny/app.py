import os

import bottle

print("pip-tiny ok", os.environ.get("APP_GREETING", ""), bottle.__version__)
