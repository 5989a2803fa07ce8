"""Users (e-mail login), their roles per covenant, invitations and personal API tokens."""

import hashlib
import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("A user needs an e-mail address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email


class Role(models.Model):
    class Kind(models.TextChoices):
        SECRETARIAT = "secretariat", _("secretariat")
        COMPANY_MEMBER = "company", _("company member")
        STAKEHOLDER_MEMBER = "stakeholder", _("stakeholder member")
        STEERING_GROUP = "steering", _("steering group member")

    # Kinds that act for one organisation of the covenant.
    KINDS_WITH_ORGANISATION = (Kind.COMPANY_MEMBER, Kind.STAKEHOLDER_MEMBER)

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="roles"
    )
    kind = models.CharField(_("role"), max_length=16, choices=Kind)
    organisation = models.ForeignKey(
        "covenants.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="roles",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["covenant", "kind"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "covenant", "kind"],
                condition=models.Q(organisation__isnull=True),
                name="role_unique_without_organisation",
            ),
            models.UniqueConstraint(
                fields=["user", "covenant", "kind", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="role_unique_with_organisation",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["company", "stakeholder"])
                | models.Q(organisation__isnull=False),
                name="role_member_needs_organisation",
            ),
        ]
        indexes = [
            # roles_of(user, covenant): every request of a logged-in user.
            models.Index(fields=["user", "covenant"], name="role_user_covenant"),
        ]

    def __str__(self) -> str:
        if self.organisation_id:
            return f"{self.get_kind_display()} ({self.organisation})"
        return str(self.get_kind_display())


def hash_secret(secret: str) -> str:
    """Return the hex SHA-256 of a random secret (tokens are stored only hashed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Invitation(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, unique=True)
    covenant = models.ForeignKey(
        "covenants.Covenant", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    kind = models.CharField(_("role"), max_length=16, choices=Role.Kind)
    organisation = models.ForeignKey(
        "covenants.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} ({self.get_kind_display()})"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )


class ApiToken(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
