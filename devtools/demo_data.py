"""Deterministic synthetic district for demos, local runs and load tests.

``generate_district(seed)`` builds a realistic Chhindwara district: the
district unit, its 7 assembly segments, about 80 mandals, about 400 shakti
kendras and about 2,000 booths, with office-bearers and workers attached to
every level (20,000+ contacts with the defaults) and the call centre's 70
agents and 4 supervisors.

Everything is pure Python (stdlib and ``phonenumbers``): no AWS, no I/O and no
work at import time. The same seed always gives equal output; a different seed
gives different names, structure sizes and phone numbers. Place names are
built from plausible Hindi place-name parts, so they look real without naming
real people; phone numbers are random but valid Indian mobile numbers and must
never be dialled outside a sandbox.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberType

__all__ = [
    "AGENT_ROLES",
    "ASSEMBLIES",
    "CONTACT_ROLES",
    "DISTRICT_ID",
    "FIRM",
    "LEVELS",
    "DemoAgent",
    "DemoContact",
    "DemoDistrict",
    "DemoUnit",
    "district_summary",
    "generate_district",
]

LEVELS: tuple[str, ...] = (
    "state",
    "district",
    "assembly",
    "mandal",
    "shakti_kendra",
    "booth",
)
"""Unit levels from the top of the hierarchy down; a unit's parent is one level up."""

CONTACT_ROLES: tuple[str, ...] = (
    "assembly_incharge",
    "mandal_president",
    "shakti_kendra_incharge",
    "booth_president",
    "booth_committee_member",
    "panna_pramukh",
)
"""Contact roles produced by the generator, from the top level down."""

AGENT_ROLES: tuple[str, ...] = ("agent", "supervisor")

DISTRICT_ID = "chw"

ASSEMBLIES: tuple[tuple[str, str], ...] = (
    ("जुन्नारदेव", "Junnardeo"),
    ("अमरवाड़ा", "Amarwara"),
    ("चौरई", "Chaurai"),
    ("सौंसर", "Sausar"),
    ("छिंदवाड़ा", "Chhindwara"),
    ("परासिया", "Parasia"),
    ("पांढुर्णा", "Pandhurna"),
)
"""The district's assembly segments as (Hindi, English) pairs, in id order a1..a7."""

# Mandals per assembly (shuffled per seed): 10-13 each, 80 in total.
_MANDALS_PER_ASSEMBLY: tuple[int, ...] = (10, 11, 11, 11, 12, 12, 13)
# Shakti kendras per mandal (shuffled per seed over all mandals): 4-6 each,
# averaging exactly 5, so 80 mandals always give 400 kendras.
_KENDRA_SIZES: tuple[int, ...] = (4, 5, 5, 6)

_AGENT_COUNT = 70
_SUPERVISOR_USERNAMES: tuple[str, ...] = (
    "supervisor",
    "supervisor2",
    "supervisor3",
    "supervisor4",
)
# The outside firm that supplies the call centre's agents (issue 20), and which of the supervisors it
# employs: the others are the party's own staff (the built-in employer "party").
FIRM: dict[str, str] = {"id": "jan-sampark", "name_hi": "जन संपर्क सर्विसेज़ प्रा. लि.",
                        "name_en": "Jan Sampark Services Pvt Ltd"}
_FIRM_SUPERVISORS = frozenset({"supervisor2", "supervisor4"})
_EMAIL_DOMAIN = "sampark.example"  # reserved by RFC 2606: never delivers

_HINDI_SHARE = 0.9  # share of contacts preferring Hindi
_FEMALE_SHARE = 0.35
_BILINGUAL_AGENT_SHARE = 0.6

# --- name material: (Hindi, English) pairs ---------------------------------

# Towns and large villages of the Chhindwara area, used first for mandal names.
_TOWNS: tuple[tuple[str, str], ...] = (
    ("बिछुआ", "Bichhua"),
    ("तामिया", "Tamia"),
    ("हर्रई", "Harrai"),
    ("मोहखेड़", "Mohkhed"),
    ("उमरेठ", "Umreth"),
    ("चांद", "Chand"),
    ("दमुआ", "Damua"),
    ("जामई", "Jamai"),
    ("लोधीखेड़ा", "Lodhikheda"),
    ("खिरसाडोह", "Khirsadoh"),
    ("चिखली", "Chikhli"),
    ("रामाकोना", "Ramakona"),
    ("सिंगोड़ी", "Singodi"),
    ("इकलहरा", "Iklehra"),
    ("बड़कुही", "Badkuhi"),
    ("चांदामेटा", "Chandameta"),
    ("रावनवाड़ा", "Rawanwara"),
    ("पिपला", "Pipla"),
    ("तीगांव", "Teegaon"),
    ("मोरडोंगरी", "Mordongri"),
    ("न्यूटन चिखली", "Newton Chikhli"),
    ("भमोड़ी", "Bhamodi"),
)

# Leading parts of generated village names (capitalised in English).
_PLACE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("राम", "Ram"),
    ("सीता", "Sita"),
    ("लक्ष्मण", "Lakshman"),
    ("हनुमान", "Hanuman"),
    ("शिव", "Shiv"),
    ("गणेश", "Ganesh"),
    ("कृष्ण", "Krishna"),
    ("गोपाल", "Gopal"),
    ("माधव", "Madhav"),
    ("किशन", "Kishan"),
    ("मोहन", "Mohan"),
    ("सोहन", "Sohan"),
    ("हीरा", "Hira"),
    ("मोती", "Moti"),
    ("सोन", "Son"),
    ("चांद", "Chand"),
    ("सूरज", "Suraj"),
    ("लक्ष्मी", "Lakshmi"),
    ("देव", "Dev"),
    ("नव", "Nav"),
    ("बड़ा", "Bada"),
    ("खैर", "Khair"),
    ("पीपल", "Pipal"),
    ("बेल", "Bel"),
    ("आम", "Am"),
    ("जाम", "Jam"),
    ("महुआ", "Mahua"),
    ("सेमल", "Semal"),
    ("बांस", "Bans"),
    ("इमली", "Imli"),
    ("तेंदू", "Tendu"),
    ("बोर", "Bor"),
    ("खापा", "Khapa"),
    ("सिंगार", "Singar"),
    ("मोह", "Moh"),
    ("धन", "Dhan"),
    ("उमर", "Umar"),
    ("गौरी", "Gauri"),
    ("नारायण", "Narayan"),
    ("तुलसी", "Tulsi"),
    ("कमल", "Kamal"),
    ("गुलाब", "Gulab"),
    ("केसर", "Kesar"),
    ("चंदन", "Chandan"),
    ("अमर", "Amar"),
    ("भीम", "Bhim"),
    ("अर्जुन", "Arjun"),
    ("बलराम", "Balram"),
    ("हरि", "Hari"),
    ("रघु", "Raghu"),
    ("जय", "Jai"),
    ("विजय", "Vijay"),
    ("फूल", "Phool"),
    ("मेघ", "Megh"),
    ("नील", "Nil"),
    ("लाल", "Lal"),
    ("पांडु", "Pandu"),
    ("सुंदर", "Sundar"),
    ("गंगा", "Ganga"),
    ("नर्मदा", "Narmada"),
    ("रेवा", "Reva"),
    ("कन्हान", "Kanhan"),
    ("पेंच", "Pench"),
    ("सिरस", "Siras"),
    ("चिखल", "Chikhal"),
    ("दूध", "Doodh"),
    ("घोड़ा", "Ghoda"),
    ("हाथी", "Hathi"),
    ("मोर", "Mor"),
    ("सारंग", "Sarang"),
    ("पलास", "Palas"),
    ("करंज", "Karanj"),
    ("अंबा", "Amba"),
    ("नाग", "Nag"),
    ("शेर", "Sher"),
    ("बाघ", "Bagh"),
    ("हिवर", "Hivar"),
    ("पांढर", "Pandhar"),
    ("सावर", "Savar"),
    ("जमुन", "Jamun"),
    ("कोसम", "Kosam"),
    ("बरगद", "Bargad"),
    ("नीम", "Neem"),
    ("गोकुल", "Gokul"),
    ("मथुरा", "Mathura"),
    ("भवानी", "Bhawani"),
    ("दुर्गा", "Durga"),
    ("काली", "Kali"),
    ("सूर्य", "Surya"),
    ("चंद्र", "Chandra"),
    ("इंद्र", "Indra"),
    ("वीर", "Veer"),
    ("धर्म", "Dharm"),
    ("कुसुम", "Kusum"),
    ("हिरन", "Hiran"),
    ("मछली", "Machhli"),
    ("पत्थर", "Patthar"),
    ("रेत", "Ret"),
    ("काला", "Kala"),
    ("पीला", "Peela"),
    ("हरा", "Hara"),
    ("जोगी", "Jogi"),
    ("बैरागी", "Bairagi"),
    ("राजा", "Raja"),
    ("रानी", "Rani"),
    ("भैरो", "Bhairo"),
)

# Trailing parts of generated village names (lower case in English).
_PLACE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("पुर", "pur"),
    ("गांव", "gaon"),
    ("खेड़ा", "kheda"),
    ("खेड़ी", "khedi"),
    ("वाड़ा", "wada"),
    ("वाड़ी", "wadi"),
    ("डोह", "doh"),
    ("टोला", "tola"),
    ("ढाना", "dhana"),
    ("नगर", "nagar"),
    ("घाट", "ghat"),
    ("पानी", "pani"),
    ("डोंगरी", "dongri"),
    ("गढ़", "garh"),
    ("पाली", "pali"),
    ("कुंड", "kund"),
    ("झिरी", "jhiri"),
    ("टोली", "toli"),
    ("खेड़", "khed"),
    ("पठार", "pathar"),
    ("देही", "dehi"),
    ("मेटा", "meta"),
    ("वानी", "wani"),
    ("कोना", "kona"),
)

# Buildings that host polling booths.
_BOOTH_BUILDINGS: tuple[tuple[str, str], ...] = (
    ("प्राथमिक शाला", "Primary School"),
    ("प्राथमिक शाला", "Primary School"),
    ("प्राथमिक शाला", "Primary School"),
    ("माध्यमिक शाला", "Middle School"),
    ("पंचायत भवन", "Panchayat Bhawan"),
    ("आंगनवाड़ी केंद्र", "Anganwadi Centre"),
)

_MALE_FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("राम", "Ram"),
    ("श्याम", "Shyam"),
    ("मोहन", "Mohan"),
    ("सोहन", "Sohan"),
    ("राजेश", "Rajesh"),
    ("सुरेश", "Suresh"),
    ("रमेश", "Ramesh"),
    ("महेश", "Mahesh"),
    ("दिनेश", "Dinesh"),
    ("मुकेश", "Mukesh"),
    ("राकेश", "Rakesh"),
    ("अनिल", "Anil"),
    ("सुनील", "Sunil"),
    ("विजय", "Vijay"),
    ("अजय", "Ajay"),
    ("संजय", "Sanjay"),
    ("मनोज", "Manoj"),
    ("प्रमोद", "Pramod"),
    ("विनोद", "Vinod"),
    ("अशोक", "Ashok"),
    ("राजू", "Raju"),
    ("गोपाल", "Gopal"),
    ("कृष्णा", "Krishna"),
    ("नरेंद्र", "Narendra"),
    ("शिवराज", "Shivraj"),
    ("कमलेश", "Kamlesh"),
    ("धर्मेंद्र", "Dharmendra"),
    ("हरिशंकर", "Harishankar"),
    ("रामकिशोर", "Ramkishor"),
    ("रामप्रसाद", "Ramprasad"),
    ("लखन", "Lakhan"),
    ("भरत", "Bharat"),
    ("जितेंद्र", "Jitendra"),
    ("संतोष", "Santosh"),
    ("देवेंद्र", "Devendra"),
    ("प्रदीप", "Pradeep"),
    ("राहुल", "Rahul"),
    ("अंकित", "Ankit"),
    ("आकाश", "Akash"),
    ("विकास", "Vikas"),
    ("रोहित", "Rohit"),
    ("नितिन", "Nitin"),
    ("गौरव", "Gaurav"),
    ("सौरभ", "Saurabh"),
    ("हेमंत", "Hemant"),
)

_FEMALE_FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("सुनीता", "Sunita"),
    ("अनीता", "Anita"),
    ("गीता", "Geeta"),
    ("सीता", "Sita"),
    ("रीता", "Rita"),
    ("कमला", "Kamla"),
    ("विमला", "Vimla"),
    ("शांति", "Shanti"),
    ("सावित्री", "Savitri"),
    ("लक्ष्मी", "Lakshmi"),
    ("सरिता", "Sarita"),
    ("ममता", "Mamta"),
    ("पूजा", "Pooja"),
    ("प्रिया", "Priya"),
    ("नेहा", "Neha"),
    ("रेखा", "Rekha"),
    ("उषा", "Usha"),
    ("आशा", "Asha"),
    ("मीना", "Meena"),
    ("सुमन", "Suman"),
    ("किरण", "Kiran"),
    ("ज्योति", "Jyoti"),
    ("रानी", "Rani"),
    ("पुष्पा", "Pushpa"),
    ("संगीता", "Sangeeta"),
    ("ललिता", "Lalita"),
    ("कविता", "Kavita"),
    ("सविता", "Savita"),
    ("अर्चना", "Archana"),
    ("वंदना", "Vandana"),
    ("माधुरी", "Madhuri"),
    ("राधा", "Radha"),
    ("भारती", "Bharti"),
    ("शीला", "Sheela"),
    ("दुर्गा", "Durga"),
    ("पार्वती", "Parvati"),
    ("रुक्मणी", "Rukmani"),
    ("मंजू", "Manju"),
    ("अंजलि", "Anjali"),
    ("निशा", "Nisha"),
)

_SURNAMES: tuple[tuple[str, str], ...] = (
    ("यादव", "Yadav"),
    ("पटेल", "Patel"),
    ("साहू", "Sahu"),
    ("वर्मा", "Verma"),
    ("रघुवंशी", "Raghuvanshi"),
    ("ठाकुर", "Thakur"),
    ("शर्मा", "Sharma"),
    ("तिवारी", "Tiwari"),
    ("मिश्रा", "Mishra"),
    ("पांडे", "Pandey"),
    ("दुबे", "Dubey"),
    ("चौबे", "Choubey"),
    ("शुक्ला", "Shukla"),
    ("त्रिपाठी", "Tripathi"),
    ("गुप्ता", "Gupta"),
    ("अग्रवाल", "Agrawal"),
    ("जैन", "Jain"),
    ("सोनी", "Soni"),
    ("राठौर", "Rathore"),
    ("चौहान", "Chauhan"),
    ("सिंह", "Singh"),
    ("परमार", "Parmar"),
    ("तोमर", "Tomar"),
    ("कुशवाहा", "Kushwaha"),
    ("लोधी", "Lodhi"),
    ("किरार", "Kirar"),
    ("धाकड़", "Dhakad"),
    ("मालवीय", "Malviya"),
    ("अहिरवार", "Ahirwar"),
    ("पवार", "Pawar"),
    ("उइके", "Uikey"),
    ("धुर्वे", "Dhurve"),
    ("मरकाम", "Markam"),
    ("इनवाती", "Inwati"),
    ("सरयाम", "Saryam"),
    ("कुमरे", "Kumre"),
    ("परतेती", "Parteti"),
    ("भलावी", "Bhalavi"),
    ("बघेल", "Baghel"),
    ("डेहरिया", "Dehariya"),
    ("सूर्यवंशी", "Suryavanshi"),
    ("नामदेव", "Namdev"),
    ("विश्वकर्मा", "Vishwakarma"),
    ("प्रजापति", "Prajapati"),
    ("चौरसिया", "Chaurasia"),
    ("नेमा", "Nema"),
    ("ठाकरे", "Thakre"),
    ("देशमुख", "Deshmukh"),
    ("डोंगरे", "Dongre"),
    ("गजभिये", "Gajbhiye"),
)

# First digits of Indian mobile numbers, weighted roughly like real allocation.
_MOBILE_LEADING_DIGITS: tuple[int, ...] = (6, 7, 7, 8, 8, 8, 9, 9, 9, 9)
_ACCEPTED_PHONE_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


# --- data types -------------------------------------------------------------


@dataclass(frozen=True)
class DemoUnit:
    """One node of the party hierarchy; ``parent_id`` is None only for the district."""

    unit_id: str
    level: str
    name_hi: str
    name_en: str
    parent_id: str | None


@dataclass(frozen=True)
class DemoContact:
    """A party worker or office-bearer attached to a unit.

    ``phone`` is E.164 (``+91`` and ten digits); ``language`` is ``"hi"`` or ``"en"``.
    """

    name_hi: str
    name_en: str
    role: str
    unit_id: str
    phone: str
    language: str


@dataclass(frozen=True)
class DemoAgent:
    """A call-centre login: ``role`` is ``"agent"`` or ``"supervisor"``."""

    username: str
    name_hi: str
    name_en: str
    phone: str
    email: str
    languages: tuple[str, ...]
    role: str
    employer: str = "party"  # an employer id: FIRM's, or the party's own staff


@dataclass(frozen=True)
class DemoDistrict:
    """A generated district: units (parents before children), contacts and agents."""

    units: tuple[DemoUnit, ...]
    contacts: tuple[DemoContact, ...]
    agents: tuple[DemoAgent, ...]


# --- generation -------------------------------------------------------------


class _PhoneSource:
    """Draws unique, valid Indian mobile numbers in E.164 form."""

    def __init__(self, used: set[str]) -> None:
        self._used = used

    def draw(self, rng: random.Random) -> str:
        """Return a fresh number; retries on numbers that are not mobile or already used."""
        while True:
            national = rng.choice(_MOBILE_LEADING_DIGITS) * 10**9 + rng.randrange(10**9)
            number = PhoneNumber(country_code=91, national_number=national)
            if phonenumbers.number_type(number) not in _ACCEPTED_PHONE_TYPES:
                continue
            e164 = f"+91{national}"
            if e164 in self._used:
                continue
            self._used.add(e164)
            return e164


def _person_name(rng: random.Random) -> tuple[str, str]:
    """A (Hindi, English) full name: first name and surname."""
    firsts = _FEMALE_FIRST_NAMES if rng.random() < _FEMALE_SHARE else _MALE_FIRST_NAMES
    first_hi, first_en = rng.choice(firsts)
    last_hi, last_en = rng.choice(_SURNAMES)
    return f"{first_hi} {last_hi}", f"{first_en} {last_en}"


def _village(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A generated (Hindi, English) village name not yet in ``taken``; records it.

    ``taken`` holds English names and defines the scope of uniqueness (an
    assembly for villages, the district for mandals). There are over 2,500
    prefix/suffix combinations; only with very large custom sizes does a scope
    run short, and then names are qualified "Kalan"/"Khurd" as real villages
    are, and finally numbered.
    """
    for _ in range(200):
        pre_hi, pre_en = rng.choice(_PLACE_PREFIXES)
        suf_hi, suf_en = rng.choice(_PLACE_SUFFIXES)
        name_en = pre_en + suf_en
        if name_en not in taken:
            taken.add(name_en)
            return pre_hi + suf_hi, name_en
    for qual_hi, qual_en in (("", ""), (" कलां", " Kalan"), (" खुर्द", " Khurd")):
        for pre_hi, pre_en in _PLACE_PREFIXES:
            for suf_hi, suf_en in _PLACE_SUFFIXES:
                name_en = f"{pre_en}{suf_en}{qual_en}"
                if name_en not in taken:
                    taken.add(name_en)
                    return f"{pre_hi}{suf_hi}{qual_hi}", name_en
    number = len(taken) + 1
    while f"Gram {number}" in taken:
        number += 1
    taken.add(f"Gram {number}")
    return f"ग्राम {number}", f"Gram {number}"


class _Builder:
    """Accumulates units and contacts while walking the hierarchy top-down."""

    def __init__(self, rng: random.Random, phones: _PhoneSource) -> None:
        self.rng = rng
        self.phones = phones
        self.units: list[DemoUnit] = []
        self.contacts: list[DemoContact] = []

    def unit(
        self, unit_id: str, level: str, name: tuple[str, str], parent_id: str | None
    ) -> str:
        """Append a unit and return its id."""
        self.units.append(DemoUnit(unit_id, level, name[0], name[1], parent_id))
        return unit_id

    def contact(self, role: str, unit_id: str) -> None:
        """Append one contact with a fresh name, phone and language."""
        name_hi, name_en = _person_name(self.rng)
        language = "hi" if self.rng.random() < _HINDI_SHARE else "en"
        phone = self.phones.draw(self.rng)
        self.contacts.append(
            DemoContact(name_hi, name_en, role, unit_id, phone, language)
        )


def _build_hierarchy(
    builder: _Builder, booths_per_kendra: int, contacts_per_booth: int
) -> None:
    """Walk district → assembly → mandal → kendra → booth, adding units and contacts."""
    rng = builder.rng
    mandal_counts = list(_MANDALS_PER_ASSEMBLY)
    rng.shuffle(mandal_counts)
    total_mandals = sum(mandal_counts)
    kendra_counts = [
        _KENDRA_SIZES[i % len(_KENDRA_SIZES)] for i in range(total_mandals)
    ]
    rng.shuffle(kendra_counts)
    towns = list(_TOWNS)
    rng.shuffle(towns)

    # One president, then the rest split evenly (an odd one out is a panna pramukh).
    rest = max(contacts_per_booth - 1, 0)
    booth_roles = (
        ["booth_president"] * min(contacts_per_booth, 1)
        + ["booth_committee_member"] * (rest // 2)
        + ["panna_pramukh"] * (rest - rest // 2)
    )

    district_id = builder.unit(DISTRICT_ID, "district", ("छिंदवाड़ा", "Chhindwara"), None)
    mandal_names_taken: set[str] = set()
    mandal_index = 0
    for a_no, ((ac_hi, ac_en), n_mandals) in enumerate(
        zip(ASSEMBLIES, mandal_counts, strict=True), start=1
    ):
        assembly_id = builder.unit(
            f"{district_id}-a{a_no}", "assembly", (ac_hi, ac_en), district_id
        )
        builder.contact("assembly_incharge", assembly_id)
        villages: set[str] = set()  # village names used in this assembly (English)
        booth_no = 0
        for m_no in range(1, n_mandals + 1):
            if m_no == 1:
                place = (f"{ac_hi} नगर", f"{ac_en} Nagar")
                mandal_names_taken.add(place[1])
            elif towns:
                place = towns.pop()
                mandal_names_taken.add(place[1])
            else:
                place = _village(rng, mandal_names_taken)
            mandal_id = builder.unit(
                f"{assembly_id}-m{m_no:02d}",
                "mandal",
                (f"{place[0]} मंडल", f"{place[1]} Mandal"),
                assembly_id,
            )
            builder.contact("mandal_president", mandal_id)
            n_kendras = kendra_counts[mandal_index]
            mandal_index += 1
            for k_no in range(1, n_kendras + 1):
                k_hi, k_en = _village(rng, villages)
                kendra_id = builder.unit(
                    f"{mandal_id}-k{k_no}",
                    "shakti_kendra",
                    (f"शक्ति केंद्र {k_hi}", f"Shakti Kendra {k_en}"),
                    mandal_id,
                )
                builder.contact("shakti_kendra_incharge", kendra_id)
                for b_no in range(1, booths_per_kendra + 1):
                    booth_no += 1
                    # The kendra's own village hosts its first booth.
                    v_hi, v_en = (k_hi, k_en) if b_no == 1 else _village(rng, villages)
                    bld_hi, bld_en = rng.choice(_BOOTH_BUILDINGS)
                    booth_id = builder.unit(
                        f"{kendra_id}-b{b_no}",
                        "booth",
                        (
                            f"बूथ {booth_no} — {bld_hi} {v_hi}",
                            f"Booth {booth_no} — {bld_en} {v_en}",
                        ),
                        kendra_id,
                    )
                    for role in booth_roles:
                        builder.contact(role, booth_id)


def _build_agents(rng: random.Random, phones: _PhoneSource) -> list[DemoAgent]:
    """The 70 shift agents (agent01..agent70) and the 4 supervisors."""
    logins = [(f"agent{i:02d}", "agent") for i in range(1, _AGENT_COUNT + 1)]
    logins += [(name, "supervisor") for name in _SUPERVISOR_USERNAMES]
    agents: list[DemoAgent] = []
    for username, role in logins:
        name_hi, name_en = _person_name(rng)
        languages: tuple[str, ...] = (
            ("hi", "en") if rng.random() < _BILINGUAL_AGENT_SHARE else ("hi",)
        )
        agents.append(
            DemoAgent(
                username=username,
                name_hi=name_hi,
                name_en=name_en,
                phone=phones.draw(rng),
                email=f"{username}@{_EMAIL_DOMAIN}",
                languages=languages,
                role=role,
                employer=FIRM["id"] if role == "agent" or username in _FIRM_SUPERVISORS else "party",
            )
        )
    return agents


def generate_district(
    seed: int = 7, *, booths_per_kendra: int = 5, contacts_per_booth: int = 10
) -> DemoDistrict:
    """Generate the synthetic Chhindwara district for ``seed``.

    With the defaults: 1 district, 7 assemblies, 80 mandals, 400 shakti
    kendras, 2,000 booths, 20,487 contacts and 74 agent logins. Each booth
    gets one ``booth_president`` and the remaining ``contacts_per_booth - 1``
    contacts split evenly between ``booth_committee_member`` and
    ``panna_pramukh`` (the extra one, if odd, is a panna pramukh); each
    kendra, mandal and assembly gets its in-charge or president.

    Units are listed parents first. Phone numbers are unique across contacts
    and agents. Agents are drawn from their own stream, so they do not change
    with the district's size options.

    Raises:
        ValueError: if ``booths_per_kendra`` or ``contacts_per_booth`` is negative.
    """
    if booths_per_kendra < 0:
        raise ValueError("booths_per_kendra must be >= 0")
    if contacts_per_booth < 0:
        raise ValueError("contacts_per_booth must be >= 0")
    root = random.Random(seed)
    agent_rng = random.Random(root.getrandbits(64))
    district_rng = random.Random(root.getrandbits(64))
    phones = _PhoneSource(set())
    agents = _build_agents(agent_rng, phones)
    builder = _Builder(district_rng, phones)
    _build_hierarchy(builder, booths_per_kendra, contacts_per_booth)
    return DemoDistrict(
        units=tuple(builder.units),
        contacts=tuple(builder.contacts),
        agents=tuple(agents),
    )


def district_summary(d: DemoDistrict) -> dict[str, int]:
    """Counts of a district: totals and breakdowns by level and role.

    Keys: ``units``, ``contacts``, ``agents`` (totals); ``units.<level>`` for every
    level in ``LEVELS``; ``contacts.<role>`` for every role in ``CONTACT_ROLES``
    (and any other role present); ``agents.<role>`` for ``agent`` and ``supervisor``.
    Missing levels and roles count 0.
    """
    levels = Counter(u.level for u in d.units)
    roles = Counter(c.role for c in d.contacts)
    agent_roles = Counter(a.role for a in d.agents)
    summary: dict[str, int] = {
        "units": len(d.units),
        "contacts": len(d.contacts),
        "agents": len(d.agents),
    }
    for level in (*LEVELS, *sorted(set(levels) - set(LEVELS))):
        summary[f"units.{level}"] = levels[level]
    for role in (*CONTACT_ROLES, *sorted(set(roles) - set(CONTACT_ROLES))):
        summary[f"contacts.{role}"] = roles[role]
    for role in (*AGENT_ROLES, *sorted(set(agent_roles) - set(AGENT_ROLES))):
        summary[f"agents.{role}"] = agent_roles[role]
    return summary
