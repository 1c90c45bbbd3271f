import sys
print("a project module named as the standard one")
