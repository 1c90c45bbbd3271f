import cffi
import httpx
import rich
print("nested: 3 modules")
