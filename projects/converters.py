class ProjectCodeConverter:
    """A release project's short code in a URL: `PAY`, `CORE2`."""

    regex = "[A-Z][A-Z0-9]{1,9}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ItemNumberConverter:
    """An item's number within its project; bounded so it always fits the database."""

    regex = "[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
