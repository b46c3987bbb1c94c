"""The simulated phone's content: what it knows (settings, contacts, messages, alarms, notes,
browsing), and seeded content that makes every episode's phone a little different but
reproducible. ``PhoneState`` (``phone_state``) holds it beside where the UI stands."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FIRST_NAMES = (
    "Alice", "Bruno", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Samir", "Tara",
    "Umar", "Vera", "Wen", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Silva",
    "Tanaka", "Weber",
)  # fmt: skip
PHRASES = (
    "On my way", "See you at noon", "Running 10 minutes late", "Can you call me?",
    "Thanks for dinner!", "The keys are under the mat", "Happy birthday!", "Meeting moved to 3pm",
    "Did you get the tickets?", "Let's go hiking on Sunday", "Bring an umbrella",
    "I'll pick up the kids",
)  # fmt: skip
NOTE_TITLES = (
    "Groceries", "Packing list", "Book ideas", "Gift ideas", "Recipes", "Workout plan",
    "Meeting notes", "Garden", "Travel plans", "Reading list", "Passwords hint", "Car service",
)  # fmt: skip
NOTE_LINES = (
    "Buy oat milk and eggs", "Call the plumber", "Renew passport", "Water the tomatoes",
    "Pack chargers and adapters", "Try the lemon pasta", "Run 5 km on Tuesday",
    "Ask about the budget", "Book the ferry", "Return library books",
)  # fmt: skip
ALARM_LABELS = ("Work", "Gym", "Medicine", "School run", "Meeting", "Yoga", "Flight", "Laundry")
QUERIES = (
    "weather in Lisbon", "how tall is Mount Fuji", "pasta carbonara recipe", "python dataclasses",
    "train times Paris Lyon", "best hiking boots", "what is a black hole", "Tokyo population",
    "chocolate cake", "solar eclipse 2027",
)  # fmt: skip


@dataclass
class Contact:
    name: str
    phone: str
    email: str = ""


@dataclass
class Message:
    text: str
    outgoing: bool


@dataclass
class Alarm:
    hour: int
    minute: int
    label: str = ""
    enabled: bool = True

    @property
    def time(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


@dataclass
class Note:
    title: str
    body: str


@dataclass
class PhoneData:
    """The phone's content and settings: what task predicates check."""

    wifi: bool = True
    bluetooth: bool = False
    airplane: bool = False
    dark_theme: bool = False
    brightness: int = 60
    device_name: str = "Pixel 7"
    android_version: str = "14"
    contacts: list[Contact] = field(default_factory=list)
    threads: dict[str, list[Message]] = field(default_factory=dict)
    """Conversation partner (a contact's name or a phone number) -> messages, oldest first."""
    alarms: list[Alarm] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    searches: list[str] = field(default_factory=list)
    opened_pages: list[str] = field(default_factory=list)

    def contact(self, name: str) -> Contact | None:
        return next((c for c in self.contacts if c.name.casefold() == name.casefold()), None)

    def note(self, title: str) -> Note | None:
        return next((n for n in self.notes if n.title.casefold() == title.casefold()), None)

    def alarm(self, hour: int, minute: int) -> Alarm | None:
        return next((a for a in self.alarms if (a.hour, a.minute) == (hour, minute)), None)

    def sort(self) -> None:
        self.contacts.sort(key=lambda c: c.name.casefold())
        self.alarms.sort(key=lambda a: (a.hour, a.minute))


def phone_number(rng: random.Random) -> str:
    return f"+1 {rng.randint(201, 989)}-555-{rng.randint(0, 9999):04d}"


def seeded_data(rng: random.Random) -> PhoneData:
    """A phone with 14-18 contacts, a few threads, alarms and notes, all drawn from ``rng``."""
    data = PhoneData(
        wifi=rng.random() < 0.7,
        bluetooth=rng.random() < 0.5,
        brightness=rng.choice(range(20, 90, 5)),
        device_name=rng.choice(("Pixel 7", "Pixel 8", "Pixel 8 Pro", "Pixel 9")),
        android_version=rng.choice(("13", "14", "15")),
    )
    names: set[str] = set()
    while len(names) < rng.randint(14, 18):
        names.add(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    data.contacts = [Contact(name, phone_number(rng)) for name in sorted(names)]
    for contact in rng.sample(data.contacts, 4):
        count = rng.randint(1, 4)
        data.threads[contact.name] = [
            Message(rng.choice(PHRASES), outgoing=bool(i % 2)) for i in range(count)
        ]
    for hour in sorted(rng.sample(range(5, 23), 3)):
        data.alarms.append(
            Alarm(
                hour,
                rng.choice((0, 15, 30, 45)),
                rng.choice(("", *ALARM_LABELS)),
                rng.random() < 0.6,
            )
        )
    for title in rng.sample(NOTE_TITLES, 4):
        data.notes.append(Note(title, "\n".join(rng.sample(NOTE_LINES, 2))))
    data.sort()
    return data
