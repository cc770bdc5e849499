"""The data files `nn.loaders` reads (package data; sources and licences in README.md here). No code."""
