print("healthy")
