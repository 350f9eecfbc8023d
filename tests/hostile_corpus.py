"""A generated corpus of hostile input files and the outcome the pipeline must give each of them.

`build_hostile_corpus(root)` writes the files under `root` (and one file beside it, which a symlink
points at) and returns {source_path: expected outcome}, where the outcome is "published" or the
quarantine reason code. Decodable files hold realistic, distinct news text (ru, en, kk) so that they
pass the language and title checks and only the hostile property under test decides their fate.
Also used by bench/kill_runs.py for its corpus of article variants.
"""

from __future__ import annotations

import gzip
import os
import random
import unicodedata
from pathlib import Path

import pandas as pd

from etl.warehouse.tables import current_snapshot

PUBLISHED = "published"
MAX_BYTES = 5_000_000  # pass as --max-bytes; huge.txt is written above it
HUGE_BYTES = 12 * 1024 * 1024
LONG_LINE_BYTES = 1024 * 1024

SQL_INJECTION = "'; DROP TABLE documents; --"
TEMPLATE_INJECTIONS = ("{{ 7*7 }}", "${jndi:ldap://x}", "{% raw %}")
SCRIPT_TAG = "<script>alert('repatriation')</script>"
OUTSIDE_SECRET = "OUTSIDE-THE-ROOT-9f3c1e"

_CITIES_RU = ["Алматы", "Астана", "Шымкент", "Актобе", "Караганда", "Атырау", "Тараз", "Павлодар",
              "Бишкек", "Ош", "Ташкент", "Самарканд", "Нукус", "Костанай", "Уральск", "Семей"]
_CITIES_EN = ["Almaty", "Astana", "Shymkent", "Aktobe", "Karaganda", "Atyrau", "Taraz", "Pavlodar",
              "Bishkek", "Osh", "Tashkent", "Samarkand", "Nukus", "Kostanay", "Uralsk", "Semey"]
_CITIES_KK = ["Алматыға", "Астанаға", "Шымкентке", "Ақтөбеге", "Қарағандыға", "Атырауға", "Таразға",
              "Павлодарға", "Қостанайға", "Оралға", "Семейге", "Түркістанға"]
_MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
              "октября", "ноября", "декабря"]
_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"]


def russian_article(n: int) -> str:
    """A Russian news text about a repatriation operation; distinct for every `n`."""
    city = _CITIES_RU[n % len(_CITIES_RU)]
    children, women = 20 + n * 3, 5 + n
    date = f"{1 + n % 28} {_MONTHS_RU[n % 12]} {2019 + n % 6} года"
    return (
        f"В {city} вернули {children} детей и {women} женщин из лагерей на северо-востоке Сирии\n\n"
        f"{date} специальным рейсом в {city} доставлены {children} детей и {women} женщин, "
        f"которые несколько лет находились в лагерях «Аль-Хол» и «Рож». Об этом сообщает пресс-служба "
        f"Министерства иностранных дел.\n\n"
        f"Все вернувшиеся прошли медицинское обследование. С ними работают психологи, педагоги и "
        f"социальные работники, а дети в ближайшее время пойдут в школы и детские сады. Операция "
        f"проведена при содействии Международного комитета Красного Креста и ЮНИСЕФ.\n\n"
        f"Ранее в рамках гуманитарных операций «Жусан» и «Мейирим» на родину вернулись более "
        f"{700 + n} граждан, большинство из них — дети. Работа по репатриации будет продолжена, "
        f"отметили в ведомстве.\n"
    )


def english_article(n: int) -> str:
    """An English news text about a repatriation operation; distinct for every `n`."""
    city = _CITIES_EN[n % len(_CITIES_EN)]
    children, women = 30 + n * 2, 7 + n
    date = f"{_MONTHS_EN[n % 12]} {1 + n % 28}, {2019 + n % 6}"
    return (
        f"{children} children and {women} women returned to {city} from camps in northeast Syria\n\n"
        f"On {date}, a special flight brought {children} children and {women} women to {city} from the "
        f"al-Hol and Roj camps, the press service of the Ministry of Foreign Affairs said.\n\n"
        f"All returnees underwent medical examinations. Psychologists, teachers and social workers are "
        f"helping the families, and the children will soon start school. The operation was carried out "
        f"with the support of the International Committee of the Red Cross and UNICEF.\n\n"
        f"Earlier, more than {600 + n} citizens, most of them children, came home during the humanitarian "
        f"operations Zhusan and Rusafa. The government said that the repatriation work will continue.\n"
    )


def kazakh_article(n: int) -> str:
    """A Kazakh news text about a repatriation operation; distinct for every `n`."""
    city = _CITIES_KK[n % len(_CITIES_KK)]
    children, women = 25 + n * 2, 6 + n
    return (
        f"Сириядан {children} бала мен {women} әйел {city} жеткізілді\n\n"
        f"Арнайы рейспен Сирияның солтүстік-шығысындағы лагерьлерден {children} бала мен {women} әйел "
        f"елге оралды. Бұл туралы Сыртқы істер министрлігінің баспасөз қызметі хабарлады.\n\n"
        f"Елге оралғандардың барлығы медициналық тексеруден өтті. Олармен психологтар, мұғалімдер мен "
        f"әлеуметтік қызметкерлер жұмыс істейді, балалар жақын арада мектепке барады.\n\n"
        f"Бұған дейін «Жусан» гуманитарлық операциясы аясында елге {600 + n} азамат оралды, олардың "
        f"басым бөлігі балалар. Азаматтарды елге қайтару жұмысы жалғасады.\n"
    )


def article(n: int) -> str:
    """Article number `n` of an endless series cycling through ru, en and kk."""
    return (russian_article, english_article, kazakh_article)[n % 3](n // 3)


def build_hostile_corpus(root: Path) -> dict[str, str]:
    """Write the hostile corpus under `root` (created) and return {source_path: expected outcome}."""
    root.mkdir(parents=True)
    outside = root.parent / f"{root.name}-outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{OUTSIDE_SECRET}\nroot:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    expected: dict[str, str] = {}
    numbers = iter(range(1000))

    def write(path: str, data: bytes, outcome: str) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        expected[path] = outcome

    def link(path: str, points_to: str, outcome: str) -> None:
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(points_to, target)
        expected[path] = outcome

    # Encodings: each file holds its own article, so none is a duplicate of another.
    ru_utf8 = russian_article(next(numbers))
    write("articles/ru_utf8.txt", ru_utf8.encode("utf-8"), PUBLISHED)
    write("articles/ru_cp1251.txt", russian_article(next(numbers)).encode("cp1251"), PUBLISHED)
    koi8_text = russian_article(next(numbers)).translate(str.maketrans({"«": "\"", "»": "\"", "—": "-"}))  # not in KOI8-R
    write("articles/ru_koi8r.txt", koi8_text.encode("koi8_r"), PUBLISHED)
    write("articles/ru_utf16_bom.txt", russian_article(next(numbers)).encode("utf-16"), PUBLISHED)
    write("articles/ru_utf16le_nobom.txt", russian_article(next(numbers)).encode("utf-16-le"), PUBLISHED)
    write("articles/ru_utf16be_nobom.txt", russian_article(next(numbers)).encode("utf-16-be"), PUBLISHED)
    write("articles/ru_utf32_bom.txt", russian_article(next(numbers)).encode("utf-32"), PUBLISHED)
    write("articles/en_utf8_bom.txt", b"\xef\xbb\xbf" + english_article(next(numbers)).encode("utf-8"), PUBLISHED)
    en_crlf = english_article(next(numbers))
    write("articles/en_crlf.txt", en_crlf.replace("\n", "\r\n").encode("utf-8"), PUBLISHED)
    write("articles/en_cr_only.txt", english_article(next(numbers)).replace("\n", "\r").encode("utf-8"), PUBLISHED)
    smart_quotes = english_article(next(numbers)).replace("al-Hol", "“al-Hol”").replace(" said.", " said — officially.")
    write("articles/en_cp1252_quotes.txt", smart_quotes.encode("cp1252"), PUBLISHED)
    kk_utf8 = kazakh_article(next(numbers))
    write("articles/kk_utf8.txt", kk_utf8.encode("utf-8"), PUBLISHED)
    kk_cut = (kazakh_article(next(numbers)).rstrip("\n") + " Ә").encode("utf-8")[:-1]  # cut inside "Ә"
    write("articles/kk_truncated_utf8.txt", kk_cut, PUBLISHED)
    nul_text = russian_article(next(numbers)).replace("\n\n", "\n\x00\n").replace(". ", ".\x00 ", 2)
    write("articles/ru_nul_bytes.txt", nul_text.encode("utf-8"), PUBLISHED)
    stray = russian_article(next(numbers)).encode("utf-8")
    write("articles/ru_utf8_stray_byte.txt", stray[:400] + b"\xff" + stray[400:], PUBLISHED)  # one corrupt byte

    # Duplicates: the original is the smallest source_path with the same normalized text.
    write("copies/Копия статьи (1).txt", kk_utf8.encode("utf-8"), "duplicate")  # same bytes
    write("copies/ru_utf8_as_cp1251.txt", ru_utf8.encode("cp1251"), "duplicate")  # same text, other bytes
    write("articles/ru_utf8_nfd.txt", unicodedata.normalize("NFD", ru_utf8).encode("utf-8"), "duplicate")

    # Links: inside the root read as the file (so a duplicate), anything else recorded and never followed.
    link("links/alias.txt", "../articles/en_crlf.txt", "duplicate")
    link("links/passwd.txt", "/etc/passwd", "symlink")
    link("links/outside.txt", f"../../{outside.name}/secret.txt", "symlink")
    link("links/loop_a.txt", "loop_b.txt", "symlink")
    link("links/loop_b.txt", "loop_a.txt", "symlink")
    link("links/self.txt", "self.txt", "symlink")
    link("links/dangling.txt", "missing.txt", "symlink")
    link("links/root_loop", "..", "symlink")
    link("links/etc", "/etc", "symlink")

    # Junk that cannot become a document.
    rng = random.Random(20240917)
    write("junk/empty.txt", b"", "empty")
    write("junk/whitespace.txt", b"  \n\t\r\n   \n", "empty")
    write("junk/whitespace_utf16.txt", "  \n\t \n".encode("utf-16"), "empty")
    write("junk/random.txt", rng.randbytes(8192), "binary")
    write("junk/photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(2048), "binary")
    write("junk/archive.txt", gzip.compress(russian_article(900).encode("utf-8"), mtime=0), "binary")
    write("junk/controls.txt", bytes(range(0, 32)) * 64, "binary")
    write("junk/bom_then_cp1251.txt", b"\xef\xbb\xbf" + russian_article(901).encode("cp1251"), "undecodable")
    lone_surrogate = b"\x00\xd8"  # U+D800 alone, little-endian
    write("junk/utf16_lone_surrogate.txt",
          b"\xff\xfe" + "Текст ".encode("utf-16-le") + lone_surrogate + "конец".encode("utf-16-le"), "undecodable")
    boilerplate = "Главная\nНовости\nПоделиться\nФото: пресс-служба МИД\nЧитайте также: все новости\nКомментарии\n"
    write("junk/boilerplate_only.txt", boilerplate.encode("utf-8"), "no_title")
    write("junk/one_line.txt", "В Казахстан вернули 12 детей из Сирии\n".encode("utf-8"), "no_body")
    sentence = "Граждане, вернувшиеся из Сирии, проходят реабилитацию и адаптацию в обществе. "
    long_line = (sentence * (LONG_LINE_BYTES // len(sentence.encode("utf-8")) + 1)).encode("utf-8")[:LONG_LINE_BYTES]
    write("junk/long_line.txt", long_line.decode("utf-8", "ignore").encode("utf-8"), "no_title")  # no newline at all
    block = english_article(902).encode("utf-8")
    with open(root / "junk" / "huge.txt", "wb") as handle:  # one write of a repeated block: fast
        handle.write(block * (HUGE_BYTES // len(block) + 1))
    expected["junk/huge.txt"] = "too_large"
    os.mkfifo(root / "junk" / "pipe.txt")  # would block a reader forever
    expected["junk/pipe.txt"] = "not_regular"

    # Markup and injection strings: stored as data, verbatim.
    page = english_article(next(numbers))
    title, *paragraphs = [p for p in page.split("\n\n")]
    html = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{title} | Example News</title><style>body {{ color: red }}</style>"
        "<script>var tracking = 'not article text';</script></head>\n<body>"
        "<nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>\n"
        f"<article><h1>{title}</h1>\n" + "".join(f"<p>{p.strip()}</p>\n" for p in paragraphs)
        + "</article><footer>&copy; Example News. All rights reserved.</footer></body></html>\n"
    )
    write("web/page.html", html.encode("utf-8"), PUBLISHED)
    scripted = russian_article(next(numbers)).replace(
        "Об этом сообщает", f"В тексте страницы был фрагмент {SCRIPT_TAG} и <b>разметка</b>. Об этом сообщает")
    write("web/script_tags.txt", scripted.encode("utf-8"), PUBLISHED)
    injected = english_article(next(numbers)).replace(
        "All returnees", f"A reader typed {SQL_INJECTION} into the search box, then {TEMPLATE_INJECTIONS[0]}, "
        f"{TEMPLATE_INJECTIONS[1]} and {TEMPLATE_INJECTIONS[2]}. All returnees")
    write("web/injection.txt", injected.encode("utf-8"), PUBLISHED)

    # Names: spaces, Cyrillic, injection, a newline, deep folders, a folder named like a file.
    write("новости/Статья о возвращении граждан.txt", russian_article(next(numbers)).encode("utf-8"), PUBLISHED)
    write(f"web/{SQL_INJECTION}.txt", english_article(next(numbers)).encode("utf-8"), PUBLISHED)
    write("web/{{ 7*7 }} ${jndi:ldap:x}.txt", kazakh_article(next(numbers)).encode("utf-8"), PUBLISHED)
    write("web/line\nbreak.txt", russian_article(next(numbers)).encode("utf-8"), PUBLISHED)
    write("a/b/c/d/e/f/deep.txt", kazakh_article(next(numbers)).encode("utf-8"), PUBLISHED)
    write("x.txt/inner.txt", english_article(next(numbers)).encode("utf-8"), PUBLISHED)
    write(".hidden.txt", russian_article(next(numbers)).encode("utf-8"), PUBLISHED)
    write("long_name_" + "я" * 115 + ".txt", kazakh_article(next(numbers)).encode("utf-8"), PUBLISHED)
    # A name that is not UTF-8 (cp1251 bytes) cannot be stored as a source_path string.
    bad_name = os.fsdecode(b"\xcd\xee\xe2\xee\xf1\xf2\xfc.txt")  # "Новость.txt" in cp1251
    (root / "names").mkdir()
    (root / "names" / bad_name).write_bytes(russian_article(next(numbers)).encode("utf-8"))
    expected["names/" + bad_name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")] = "bad_name"
    return expected


def warehouse_tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every table of the warehouse's current snapshot, whatever stages registered them."""
    snapshot = current_snapshot(warehouse)
    assert snapshot is not None
    return {folder.name: pd.read_parquet(folder) for folder in sorted(snapshot.iterdir())
            if folder.is_dir() and any(folder.glob("*.parquet"))}
