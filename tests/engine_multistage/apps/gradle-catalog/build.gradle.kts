plugins { java }
version = "0.1.0"
