print("kvsh")
