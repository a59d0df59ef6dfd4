print("kaasa")
