"""The words the safety gate reacts to, in one table, and how a label is matched against them.

Each concern (paying, sending, deleting, ...) lists the words and phrases that name it on a
button or a field, per language: English, Chinese, Spanish, French, German, Portuguese and
Japanese. Words in Latin script match whole words of a label, ignoring case and accents
("Supprimer", "LÖSCHEN", "cerrar sesión"), so that "Sender" does not read as "send". Chinese
and Japanese, written without spaces, match anywhere in the label.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

Language = str
"""An ISO 639-1 code: en, zh, es, fr, de, pt, ja."""

LANGUAGES: tuple[Language, ...] = ("en", "zh", "es", "fr", "de", "pt", "ja")

CONTROL_WORDS: Mapping[str, Mapping[Language, tuple[str, ...]]] = {
    "pay": {
        "en": ("pay", "pay now", "payment", "confirm payment"),
        "zh": ("支付", "付款", "确认支付"),
        "es": ("pagar", "pago", "confirmar pago"),
        "fr": ("payer", "paiement", "confirmer le paiement"),
        "de": ("bezahlen", "zahlen", "zahlung", "zahlung bestätigen"),
        "pt": ("pagar", "pagamento", "confirmar pagamento"),
        "ja": ("支払", "お支払い", "決済"),
    },
    "buy": {
        "en": ("buy", "buy now", "purchase", "checkout"),
        "zh": ("购买", "结算", "买单"),
        "es": ("comprar", "compra", "finalizar compra"),
        "fr": ("acheter", "achat", "valider le panier"),
        "de": ("kaufen", "jetzt kaufen", "zur kasse"),
        "pt": ("comprar", "compra", "finalizar compra"),
        "ja": ("購入", "買う", "レジに進む"),
    },
    "order": {
        "en": ("place order", "order now", "confirm order"),
        "zh": ("下单", "提交订单"),
        "es": ("realizar pedido", "hacer pedido", "pedir ahora"),
        "fr": ("commander", "passer la commande", "passer commande"),
        "de": ("bestellen", "jetzt bestellen", "zahlungspflichtig bestellen"),
        "pt": ("fazer pedido", "finalizar pedido", "encomendar"),
        "ja": ("注文",),
    },
    "send": {
        "en": ("send", "send now"),
        "zh": ("发送",),
        "es": ("enviar",),
        "fr": ("envoyer",),
        "de": ("senden", "absenden", "verschicken"),
        "pt": ("enviar",),
        "ja": ("送信", "送る"),
    },
    "delete": {
        "en": ("delete", "remove", "erase"),
        "zh": ("删除", "移除", "清除"),
        "es": ("eliminar", "borrar", "quitar"),
        "fr": ("supprimer", "effacer", "retirer"),
        "de": ("löschen", "entfernen"),
        "pt": ("excluir", "apagar", "remover", "eliminar"),
        "ja": ("削除", "消去"),
    },
    "install": {
        "en": ("install", "uninstall"),
        "zh": ("安装", "卸载"),
        "es": ("instalar", "desinstalar"),
        "fr": ("installer", "désinstaller"),
        "de": ("installieren", "deinstallieren"),
        "pt": ("instalar", "desinstalar"),
        "ja": ("インストール", "アンインストール"),
    },
    "transfer": {
        "en": ("transfer", "send money"),
        "zh": ("转账", "汇款"),
        "es": ("transferir", "transferencia"),
        "fr": ("virement", "transférer"),
        "de": ("überweisen", "überweisung"),
        "pt": ("transferir", "transferência"),
        "ja": ("振込", "振り込み", "送金"),
    },
    "subscribe": {
        "en": ("subscribe", "start subscription"),
        "zh": ("订阅", "开通会员"),
        "es": ("suscribirse", "suscribirme"),
        "fr": ("s'abonner", "abonner"),
        "de": ("abonnieren",),
        "pt": ("assinar agora", "inscrever-se"),
        "ja": ("定期購入", "購読"),
    },
    "sign out": {
        "en": ("sign out", "log out", "logout"),
        "zh": ("退出登录", "注销"),
        "es": ("cerrar sesión",),
        "fr": ("se déconnecter", "déconnexion"),
        "de": ("abmelden",),
        "pt": ("sair da conta", "terminar sessão"),
        "ja": ("ログアウト", "サインアウト"),
    },
    "factory reset": {
        "en": ("factory reset", "erase all data", "reset phone"),
        "zh": ("恢复出厂设置",),
        "es": ("restablecer datos de fábrica", "restablecimiento de fábrica"),
        "fr": ("réinitialisation d'usine", "rétablir la configuration d'usine"),
        "de": ("werkseinstellungen",),
        "pt": ("redefinição de fábrica", "restaurar padrões de fábrica"),
        "ja": ("初期化", "出荷時設定"),
    },
}
"""Controls whose press needs a person's confirmation, by what pressing them does."""

FIELD_WORDS: Mapping[str, Mapping[Language, tuple[str, ...]]] = {
    "password": {
        "en": ("password", "passcode", "passphrase", "pin"),
        "zh": ("密码", "口令"),
        "es": ("contraseña", "clave de acceso"),
        "fr": ("mot de passe", "code secret"),
        "de": ("passwort", "kennwort", "geheimzahl"),
        "pt": ("senha",),
        "ja": ("パスワード", "暗証番号"),
    },
    "one-time code": {
        "en": ("one-time code", "one time code", "verification code", "otp", "security code"),
        "zh": ("验证码", "动态码"),
        "es": ("código de verificación", "código de seguridad"),
        "fr": ("code de vérification", "code de sécurité"),
        "de": ("bestätigungscode", "verifizierungscode", "sicherheitscode"),
        "pt": ("código de verificação", "código de segurança"),
        "ja": ("認証コード", "確認コード", "ワンタイムパスワード"),
    },
}
"""Fields whose contents are secrets, by what they hold (from their hint, label or id)."""


def fold(text: str) -> str:
    """Lowercase without accents (``"Désinstaller"`` -> ``"desinstaller"``), ``ß`` as ``ss``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(text: str) -> tuple[str, ...]:
    """The label's words: runs of letters and digits (apostrophes kept inside a word)."""
    words: list[str] = []
    current: list[str] = []
    for char in fold(text):
        if char.isalnum() or (char in "'’" and current):
            current.append("'" if char == "’" else char)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return tuple(words)


def _spaced(phrase: str) -> bool:
    """Whether ``phrase`` is in a script that separates words (not Chinese or Japanese)."""
    return not any("\u3040" <= char <= "\u30ff" or "\u3400" <= char <= "\u9fff" for char in phrase)


@dataclass(frozen=True, slots=True)
class Match:
    """Which concern a label names, in which language, through which word."""

    concern: str
    language: Language
    word: str


Table = Mapping[str, Mapping[Language, tuple[str, ...]]]
_Compiled = tuple[tuple[str, Language, str, tuple[str, ...] | None, str], ...]
_COMPILED: dict[int, _Compiled] = {}


def _compile(table: Table) -> _Compiled:
    """Each phrase with its words (Latin script) or its folded text (Chinese, Japanese)."""
    compiled = _COMPILED.get(id(table))
    if compiled is None:
        compiled = tuple(
            (concern, language, phrase, _words(phrase) if _spaced(phrase) else None, fold(phrase))
            for concern, by_language in table.items()
            for language, phrases in by_language.items()
            for phrase in phrases
        )
        _COMPILED[id(table)] = compiled
    return compiled


def find(label: str, table: Table) -> Match | None:
    """The first concern of ``table`` that ``label`` names, or None."""
    if not label:
        return None
    words, folded = _words(label), fold(label)
    for concern, language, phrase, wanted, folded_phrase in _compile(table):
        if wanted is None:
            if folded_phrase in folded:
                return Match(concern, language, phrase)
            continue
        size = len(wanted)
        if any(words[i : i + size] == wanted for i in range(len(words) - size + 1)):
            return Match(concern, language, phrase)
    return None


__all__ = ["CONTROL_WORDS", "FIELD_WORDS", "LANGUAGES", "Match", "find", "fold"]
