"""Platform side of model assistance: turns stored rows into the inputs of `labelwise.assist`."""
