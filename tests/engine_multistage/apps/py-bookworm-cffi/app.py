import cffi
import requests
print("cffi app: ok")
