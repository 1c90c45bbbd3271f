import starlette
import anyio
print("uv-api: ready")
