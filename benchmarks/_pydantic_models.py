"""Pydantic v2 models a Python team would write for the same payloads (httpx contender, decode).

They mirror the fields and types of ``pivot_async.models`` (camelCase aliases, optional
members, unknown fields ignored, enumerated values as ``str``) so that both libraries validate
the same amount of data. Request rules use ``Field`` constraints, the idiomatic pydantic way.
"""

from __future__ import annotations

import decimal
from typing import Any, Generic, Optional, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Amount(Model):
    value: int
    currency: str = "IDR"


class PositiveAmount(Model):
    value: int = Field(gt=0)
    currency: str = Field(default="IDR", pattern=r"^IDR$")


class PhoneNumber(Model):
    country_code: Optional[str] = None
    number: Optional[str] = None


class RedirectUrl(Model):
    success_return_url: Optional[str] = Field(default=None, min_length=1, max_length=255)
    failure_return_url: Optional[str] = Field(default=None, min_length=1, max_length=255)
    expiration_return_url: Optional[str] = Field(default=None, min_length=1, max_length=255)


class PaymentCard(Model):
    encrypted_card: Optional[str] = None
    token: Optional[str] = None
    number: Optional[str] = None
    exp_month: Union[int, str, None] = None
    exp_year: Union[int, str, None] = None
    cvc: Optional[str] = None
    card_holder_first_name: Optional[str] = None
    card_holder_last_name: Optional[str] = None
    card_holder_email: Optional[str] = None
    card_holder_phone: Optional[str] = None


class VirtualAccount(Model):
    channel: Optional[str] = None
    virtual_account_number: Optional[str] = None
    virtual_account_name: Optional[str] = None
    expiry_at: Optional[str] = None


class EwalletAccount(Model):
    account_identifier: Optional[str] = None


class QrCharge(Model):
    acquirer: Optional[str] = None
    qr_content: Optional[str] = None
    qr_url: Optional[str] = None
    qr_type: Optional[str] = None
    retrieval_reference_number: Optional[str] = None
    issuer_name: Optional[str] = None
    expiry_at: Optional[str] = None
    merchant_name: Optional[str] = None
    store_id: Optional[str] = None


class ProcessingConfig(Model):
    bank_merchant_id: Optional[str] = None
    merchant_id_tag: Optional[str] = None


class Installment(Model):
    enabled: Optional[bool] = None
    available_plans: Optional[list[Any]] = None
    plan: Union[str, list[Any], None] = None


class CardOptions(Model):
    capture_method: Optional[str] = None
    three_ds_method: Optional[str] = None
    processing_config: Optional[ProcessingConfig] = None
    installment: Optional[Installment] = None


class EwalletOptions(Model):
    channel: Optional[str] = None
    expiry_at: Optional[str] = None


class QrOptions(Model):
    expiry_at: Optional[str] = None


class PaymentMethodOptions(Model):
    id: Optional[str] = None
    card: Optional[CardOptions] = None
    virtual_account: Optional[VirtualAccount] = None
    ewallet: Optional[EwalletOptions] = None
    qr: Optional[QrOptions] = None


class PaymentMethod(Model):
    type: Optional[str] = None
    card: Optional[PaymentCard] = None
    virtual_account: Optional[VirtualAccount] = None
    ewallet: Optional[EwalletAccount] = None
    qr: Optional[QrCharge] = None
    payment_method_options: Optional[PaymentMethodOptions] = None


class SplitRoutingConfiguration(Model):
    merchant_id: Optional[str] = None
    type: Optional[str] = None
    currency: Optional[str] = None
    percentage_amount: Optional[decimal.Decimal] = None
    fixed_amount: Optional[int] = None
    remarks: Optional[str] = None


class ChannelInformation(Model):
    account_number: Optional[str] = None
    account_name: Optional[str] = None


class TransferDestination(Model):
    channel_code: Optional[str] = None
    channel_information: Optional[ChannelInformation] = None
    description: Optional[str] = None


class RefundPreference(Model):
    method: Optional[str] = None
    transfer_destination: Optional[TransferDestination] = None


class StoredCard(Model):
    fingerprint: Optional[str] = None
    network: Optional[str] = None
    exp_month: Union[str, int, None] = None
    exp_year: Union[str, int, None] = None
    card_holder_first_name: Optional[str] = None
    card_holder_last_name: Optional[str] = None


class StoredPaymentMethod(Model):
    token: Optional[str] = None
    payment_method: Optional[str] = None
    payment_channel: Optional[str] = None
    created_at: Optional[str] = None
    status: Optional[str] = None
    card: Optional[StoredCard] = None


class Customer(Model):
    id: Optional[str] = None
    given_name: Optional[str] = None
    surname: Optional[str] = None
    sure_name: Optional[str] = None
    email: Optional[str] = None
    phone_number: Optional[PhoneNumber] = None
    refund_preference: Optional[RefundPreference] = None
    stored_payment_methods: Optional[list[StoredPaymentMethod]] = None
    store_payment_methods: Optional[list[StoredPaymentMethod]] = None


class ProductDetail(Model):
    type: Optional[str] = None
    category: Optional[str] = None
    sub_category: Optional[str] = None
    name: Optional[str] = None
    description: Optional[str] = None
    quantity: Optional[int] = None
    price: Optional[Amount] = None


class BillingInfo(Model):
    given_name: Optional[str] = None
    surname: Optional[str] = None
    sure_name: Optional[str] = None
    email: Optional[str] = None
    phone_number: Optional[PhoneNumber] = None
    address_line1: Optional[str] = Field(default=None, alias="addressLine1")
    address_line2: Optional[str] = Field(default=None, alias="addressLine2")
    city: Optional[str] = None
    province_state: Optional[str] = None
    country: Optional[str] = None
    postal_code: Optional[str] = None


class ShippingInfo(BillingInfo):
    method: Optional[str] = None
    shipping_fee: Optional[Amount] = None


class OrderInformation(Model):
    product_details: Optional[list[ProductDetail]] = None
    billing_info: Optional[BillingInfo] = None
    shipping_info: Optional[ShippingInfo] = None


# --- responses -----------------------------------------------------------------------------------


class BinInformation(Model):
    type: Optional[str] = None
    issuing_bank: Optional[str] = None
    brand: Optional[str] = None
    country: Optional[str] = None


class AuthenticationResult(Model):
    three_ds_version: Optional[str] = None
    three_ds_result: Optional[str] = None
    three_ds_method: Optional[str] = None
    eci_code: Optional[str] = None


class AuthorizationResult(Model):
    acquirer_reference_number: Optional[str] = None
    retrieval_reference_number: Optional[str] = None
    stan: Optional[str] = None
    avs_result: Optional[str] = None
    cvv_result: Optional[str] = None
    authorized_amount: Optional[Amount] = None
    issuer_authorization_code: Optional[str] = None


class CardCharge(Model):
    first6: Optional[str] = None
    first8: Optional[str] = None
    last4: Optional[str] = None
    exp_month: Union[str, int, None] = None
    exp_year: Union[str, int, None] = None
    fingerprint: Optional[str] = None
    bin_informations: Optional[BinInformation] = None
    authentication_result: Optional[AuthenticationResult] = None
    authorization_result: Optional[AuthorizationResult] = None


class EwalletAccountInformation(Model):
    mobile_number: Optional[str] = None
    name: Optional[str] = None


class EwalletCharge(Model):
    channel: Optional[str] = None
    account_informations: Optional[EwalletAccountInformation] = None


class FdsRiskAssessment(Model):
    score: Union[str, int, None] = None
    level: Optional[str] = None
    recommendation: Optional[str] = None
    status: Optional[str] = None
    evaluated_at: Optional[str] = None


class CaptureHistory(Model):
    capture_id: Optional[str] = None
    currency: Optional[str] = None
    captured_amount: Union[int, Amount, None] = None
    capture_amount: Union[int, Amount, None] = None
    status: Optional[str] = None
    created_at: Optional[str] = None


class Charge(Model):
    id: str
    payment_session_id: Optional[str] = None
    payment_session_client_reference_id: Optional[str] = None
    amount: Optional[Amount] = None
    statement_descriptor: Optional[str] = None
    status: str
    authorized_amount: Optional[Amount] = None
    captured_amount: Optional[Amount] = None
    is_captured: Optional[bool] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
    paid_at: Optional[str] = None
    fds_risk_assessment: Optional[FdsRiskAssessment] = None
    card: Optional[CardCharge] = None
    capture_histories: Optional[list[CaptureHistory]] = None
    virtual_account: Optional[VirtualAccount] = None
    qr: Optional[QrCharge] = None
    ewallet: Optional[EwalletCharge] = None
    failure_code: Optional[str] = None
    failure_message: Optional[str] = None
    recommendation: Optional[str] = None


class PaymentSession(Model):
    id: str
    client_reference_id: Optional[str] = None
    amount: Optional[Amount] = None
    auto_confirm: Optional[bool] = None
    mode: Optional[str] = None
    bypass_status_page: Optional[bool] = None
    redirect_url: Optional[RedirectUrl] = None
    payment_type: Optional[str] = None
    payment_method: Optional[PaymentMethod] = None
    payment_method_options: Optional[PaymentMethodOptions] = None
    statement_descriptor: Optional[str] = None
    expiration_mode: Optional[str] = None
    save_for_future_use: Optional[bool] = None
    show_saved_payment: Optional[bool] = None
    status: str
    investigation_status: Optional[str] = None
    created_at: Optional[str] = None
    updated_at: Optional[str] = None
    expiry_at: Optional[str] = None
    encryption_key: Optional[str] = None
    payment_url: Optional[str] = None
    charge_details: Optional[list[Charge]] = None
    customer_id: Optional[str] = None
    customer: Optional[Customer] = None
    order_information: Optional[OrderInformation] = None
    cancelled_at: Optional[str] = None
    cancellation_reason: Optional[str] = None
    metadata: Optional[dict[str, Any]] = None
    split_routing_configurations: Optional[list[SplitRoutingConfiguration]] = None
    recurring_id: Optional[str] = None
    initiate_first_authorization: Any = None


class Envelope(Model, Generic[T]):
    code: Optional[str] = None
    message: Optional[str] = None
    data: Optional[T] = None


class AccessToken(Model):
    access_token: str
    expires_in: Union[int, str, None] = None
    token_type: Optional[str] = None


SessionEnvelope = Envelope[PaymentSession]
TokenEnvelope = Envelope[AccessToken]


# --- requests -----------------------------------------------------------------------------------


class CreatePaymentRequest(Model):
    client_reference_id: str = Field(pattern=r"^[A-Za-z0-9]{1,100}$")
    amount: Optional[PositiveAmount] = None
    payment_type: Optional[str] = None
    payment_method: Optional[PaymentMethod] = None
    payment_method_options: Optional[PaymentMethodOptions] = None
    save_for_future_use: Optional[bool] = None
    save_for_future: Optional[bool] = None
    show_saved_payment: Optional[bool] = None
    mode: Optional[str] = None
    bypass_status_page: Optional[bool] = None
    redirect_url: RedirectUrl
    customer_id: Optional[str] = None
    customer: Optional[Customer] = None
    order_information: Optional[OrderInformation] = None
    auto_confirm: Optional[bool] = None
    statement_descriptor: Optional[str] = Field(default=None, max_length=20)
    expiration_mode: Optional[str] = None
    expiry_at: Optional[str] = Field(default=None, pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    metadata: Optional[dict[str, Any]] = None
    split_routing_configurations: Optional[list[SplitRoutingConfiguration]] = None
