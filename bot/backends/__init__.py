"""Storage backends. Each does all the I/O for one kind of storage behind the `Backend` protocol."""
