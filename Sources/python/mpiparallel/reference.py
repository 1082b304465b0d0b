"""Reference: a namespace name in place of an argument (ipyparallel's Reference)."""


class Reference:
    """Each engine substitutes its own value of the name `name` for it.

    Travels as ``{"$ref": "name"}``."""

    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise TypeError(f"a Reference names a namespace value by a non-empty str, not {name!r}")
        self.name = name

    def __repr__(self):
        return f"Reference({self.name!r})"

    def __eq__(self, other):
        return isinstance(other, Reference) and other.name == self.name

    def __hash__(self):
        return hash(("Reference", self.name))
