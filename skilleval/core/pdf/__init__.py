"""Pure PDF rendering (no Django): the shared toolkit and the documents built on it."""
