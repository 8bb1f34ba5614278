"""Believable names for a synthetic OPD: patients from many regions, doctors, departments.

Each given name and surname is kept in Latin letters (as most hospital systems
register them) and in its own script (as a regional registration desk, or a
patient at the kiosk, may type it), so the desk is exercised with Devanagari,
Tamil, Bengali, Telugu, Kannada, Malayalam, Gujarati, Gurmukhi and Odia text,
their vowel signs, viramas and joiners included.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

#: (Latin, native script) pairs.
Pair = tuple[str, str]


@dataclass(frozen=True)
class Region:
    name: str
    men: tuple[Pair, ...]
    women: tuple[Pair, ...]
    surnames: tuple[Pair, ...]
    #: Where a surname depends on gender (Singh and Kaur), these replace `surnames`.
    men_surnames: tuple[Pair, ...] = ()
    women_surnames: tuple[Pair, ...] = ()


REGIONS: tuple[Region, ...] = (
    Region(
        "Hindi",
        men=(("Aarav", "आरव"), ("Rohit", "रोहित"), ("Rajesh", "राजेश"), ("Sanjay", "संजय"),
             ("Aditya", "आदित्य"), ("Vikas", "विकास"), ("Manoj", "मनोज"), ("Kshitij", "क्षितिज")),
        women=(("Sunita", "सुनीता"), ("Priya", "प्रिया"), ("Kavita", "कविता"), ("Anjali", "अंजलि"),
               ("Pooja", "पूजा"), ("Meera", "मीरा"), ("Rekha", "रेखा"), ("Shraddha", "श्रद्धा")),
        surnames=(("Sharma", "शर्मा"), ("Verma", "वर्मा"), ("Gupta", "गुप्ता"), ("Yadav", "यादव"),
                  ("Mishra", "मिश्रा"), ("Tiwari", "तिवारी"), ("Chauhan", "चौहान"),
                  ("Srivastava", "श्रीवास्तव")),
    ),
    Region(
        "Marathi",
        men=(("Sachin", "सचिन"), ("Aniket", "अनिकेत"), ("Omkar", "ओंकार"), ("Prasad", "प्रसाद")),
        women=(("Snehal", "स्नेहल"), ("Madhuri", "माधुरी"), ("Ashwini", "अश्विनी"),
               ("Rutuja", "ऋतुजा")),
        surnames=(("Patil", "पाटील"), ("Kulkarni", "कुलकर्णी"), ("Deshmukh", "देशमुख"),
                  ("Jadhav", "जाधव"), ("Shinde", "शिंदे")),
    ),
    Region(
        "Tamil",
        men=(("Karthik", "கார்த்திக்"), ("Murugan", "முருகன்"), ("Senthil", "செந்தில்"),
             ("Arun", "அருண்"), ("Saravanan", "சரவணன்")),
        women=(("Lakshmi", "லட்சுமி"), ("Meenakshi", "மீனாட்சி"), ("Revathi", "ரேவதி"),
               ("Divya", "திவ்யா"), ("Kavitha", "கவிதா")),
        surnames=(("Subramanian", "சுப்பிரமணியன்"), ("Rajendran", "ராஜேந்திரன்"),
                  ("Krishnan", "கிருஷ்ணன்"), ("Natarajan", "நடராஜன்"),
                  ("Venkatesan", "வெங்கடேசன்")),
    ),
    Region(
        "Bengali",
        men=(("Arijit", "অরিজিৎ"), ("Sourav", "সৌরভ"), ("Debashis", "দেবাশিস"),
             ("Tanmoy", "তন্ময়"), ("Subhajit", "শুভজিৎ")),
        women=(("Ananya", "অনন্যা"), ("Moumita", "মৌমিতা"), ("Rituparna", "ঋতুপর্ণা"),
               ("Sreya", "শ্রেয়া"), ("Payel", "পায়েল")),
        surnames=(("Chatterjee", "চট্টোপাধ্যায়"), ("Mukherjee", "মুখোপাধ্যায়"), ("Das", "দাস"),
                  ("Bose", "বসু"), ("Ghosh", "ঘোষ"), ("Sen", "সেন")),
    ),
    Region(
        "Telugu",
        men=(("Venkatesh", "వెంకటేష్"), ("Srinivas", "శ్రీనివాస్"), ("Ramesh", "రమేష్"),
             ("Chaitanya", "చైతన్య")),
        women=(("Sravani", "శ్రావణి"), ("Swathi", "స్వాతి"), ("Padmavathi", "పద్మావతి"),
               ("Harika", "హారిక")),
        surnames=(("Reddy", "రెడ్డి"), ("Naidu", "నాయుడు"), ("Rao", "రావు"),
                  ("Chowdary", "చౌదరి")),
    ),
    Region(
        "Kannada",
        men=(("Manjunath", "ಮಂಜುನಾಥ್"), ("Praveen", "ಪ್ರವೀಣ್"), ("Shivakumar", "ಶಿವಕುಮಾರ್")),
        women=(("Shwetha", "ಶ್ವೇತಾ"), ("Kavya", "ಕಾವ್ಯ"), ("Pallavi", "ಪಲ್ಲವಿ")),
        surnames=(("Gowda", "ಗೌಡ"), ("Hegde", "ಹೆಗ್ಡೆ"), ("Shetty", "ಶೆಟ್ಟಿ"), ("Bhat", "ಭಟ್")),
    ),
    Region(
        "Malayalam",
        men=(("Anoop", "അനൂപ്"), ("Jithin", "ജിതിൻ"), ("Sreekumar", "ശ്രീകുമാർ"),
             ("Joseph", "ജോസഫ്"),
             # The older encoding of the chillu letter: n, virama, zero-width joiner.
             ("Nithin", "നിതിന്\u200d")),
        women=(("Sreeja", "ശ്രീജ"), ("Aswathy", "അശ്വതി"), ("Anjana", "അഞ്ജന"),
               ("Mary", "മേരി")),
        surnames=(("Nair", "നായർ"), ("Menon", "മേനോൻ"), ("Pillai", "പിള്ള"),
                  ("Varghese", "വർഗീസ്"), ("Kurian", "കുര്യൻ")),
    ),
    Region(
        "Gujarati",
        men=(("Hardik", "હાર્દિક"), ("Jignesh", "જિજ્ઞેશ"), ("Bhavesh", "ભાવેશ")),
        women=(("Nisha", "નિશા"), ("Hetal", "હેતલ"), ("Krupa", "કૃપા")),
        surnames=(("Patel", "પટેલ"), ("Shah", "શાહ"), ("Desai", "દેસાઈ"), ("Mehta", "મહેતા")),
    ),
    Region(
        "Punjabi",
        men=(("Gurpreet", "ਗੁਰਪ੍ਰੀਤ"), ("Harjit", "ਹਰਜੀਤ"), ("Manpreet", "ਮਨਪ੍ਰੀਤ"),
             ("Jaswinder", "ਜਸਵਿੰਦਰ")),
        women=(("Simran", "ਸਿਮਰਨ"), ("Harleen", "ਹਰਲੀਨ"), ("Navjot", "ਨਵਜੋਤ"),
               ("Gurpreet", "ਗੁਰਪ੍ਰੀਤ")),
        surnames=(),
        men_surnames=(("Singh", "ਸਿੰਘ"), ("Singh Gill", "ਸਿੰਘ ਗਿੱਲ"),
                      ("Singh Sandhu", "ਸਿੰਘ ਸੰਧੂ"), ("Singh Dhillon", "ਸਿੰਘ ਢਿੱਲੋਂ")),
        women_surnames=(("Kaur", "ਕੌਰ"), ("Kaur Gill", "ਕੌਰ ਗਿੱਲ"), ("Kaur Sandhu", "ਕੌਰ ਸੰਧੂ")),
    ),
    Region(
        "Odia",
        men=(("Biswajit", "ବିଶ୍ୱଜିତ"), ("Sudhansu", "ସୁଧାଂଶୁ"), ("Prakash", "ପ୍ରକାଶ")),
        women=(("Subhashree", "ସୁଭଶ୍ରୀ"), ("Lipika", "ଲିପିକା"), ("Sasmita", "ସସ୍ମିତା")),
        surnames=(("Mohanty", "ମହାନ୍ତି"), ("Panda", "ପଣ୍ଡା"), ("Behera", "ବେହେରା"),
                  ("Sahoo", "ସାହୁ")),
    ),
    Region(
        # Registered in Latin letters here: Urdu's right-to-left script is left
        # to the desk's own tests.
        "Urdu",
        men=(("Imran", "Imran"), ("Farhan", "Farhan"), ("Irfan", "Irfan"), ("Salim", "Salim")),
        women=(("Ayesha", "Ayesha"), ("Zainab", "Zainab"), ("Salma", "Salma"),
               ("Nazia", "Nazia")),
        surnames=(("Khan", "Khan"), ("Ansari", "Ansari"), ("Qureshi", "Qureshi"),
                  ("Siddiqui", "Siddiqui"), ("Shaikh", "Shaikh")),
    ),
    Region(
        "Konkani",
        men=(("Anthony", "Anthony"), ("Rohan", "Rohan"), ("Savio", "Savio")),
        women=(("Anita", "Anita"), ("Sheryl", "Sheryl"), ("Maria", "Maria")),
        surnames=(("D'Souza", "D'Souza"), ("Fernandes", "Fernandes"), ("Pereira", "Pereira"),
                  ("Naik", "Naik")),
    ),
)


@dataclass(frozen=True)
class Department:
    name: str
    #: Prefix of its doctors' codes (GM1, PED2 ...): letters only, at most 3.
    prefix: str
    #: How many of an OPD's doctors work here, relatively.
    weight: float


DEPARTMENTS: tuple[Department, ...] = (
    Department("General Medicine", "GM", 5.0),
    Department("Paediatrics", "PED", 3.0),
    Department("Obstetrics and Gynaecology", "OBG", 3.0),
    Department("Orthopaedics", "ORT", 2.5),
    Department("General Surgery", "SUR", 2.0),
    Department("ENT", "ENT", 1.5),
    Department("Ophthalmology", "EYE", 1.5),
    Department("Dermatology", "DER", 1.5),
    Department("Cardiology", "CAR", 1.0),
    Department("Pulmonology", "PUL", 1.0),
    Department("Psychiatry", "PSY", 0.8),
    Department("Dental", "DEN", 1.0),
)


class NameBook:
    """Draws names from its own random stream: the same seed, the same people."""

    def __init__(self, rng: random.Random, native_script_share: float = 0.3) -> None:
        self._rng = rng
        self._native_share = native_script_share

    def person(self, native: bool | None = None) -> str:
        rng = self._rng
        region = rng.choice(REGIONS)
        woman = rng.random() < 0.5
        given = rng.choice(region.women if woman else region.men)
        surnames = (region.women_surnames if woman else region.men_surnames) or region.surnames
        surname = rng.choice(surnames)
        if native is None:
            native = rng.random() < self._native_share
        script = 1 if native else 0
        return f"{given[script]} {surname[script]}"

    def patient(self) -> str:
        return self.person()

    def doctor(self) -> str:
        """Doctors' names are on signboards and slips: Latin letters."""
        return self.person(native=False)

    def department(self) -> Department:
        return self._rng.choices(DEPARTMENTS, weights=[d.weight for d in DEPARTMENTS])[0]
