print("placeholder: the example is being written")
