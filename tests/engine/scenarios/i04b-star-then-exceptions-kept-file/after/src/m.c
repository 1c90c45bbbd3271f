m2 changed
