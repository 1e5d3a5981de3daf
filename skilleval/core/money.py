"""Money is exact decimal CNY (DOMAIN.md §6): floats are refused at the edge, rounding is explicit."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
    """Parse a fee or an amount: a Decimal, an int or a string like "450" or "450.00"; never a float."""
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a string or a Decimal")
    if isinstance(value, bool):
        raise TypeError("money must not be a bool")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_cny(amount: Decimal) -> str:
    """`¥1,234.50`, for display only."""
    return f"¥{to_money(amount):,.2f}"
