from django.contrib import admin

from skilleval.payments.models import Payment, PaymentLine


class PaymentLineInline(admin.TabularInline):
    model = PaymentLine
    extra = 0
    readonly_fields = ("application", "subjects", "amount")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Read-only: payments change only through the cashier's confirmation (payments/services)."""

    list_display = ("code", "payer_name", "amount_due", "amount_received", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("code", "payer_name", "reference")
    readonly_fields = [f.name for f in Payment._meta.fields]
    inlines = [PaymentLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
