print("the benchmark is being written")
