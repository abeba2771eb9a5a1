"""The demo shop's catalog and reference data: categories, products and variants, looks, customers,
coupons and FX snapshots, generated from one seeded `random.Random`.

Rows follow the column order of `storage/demo_models.py`, with timestamps as epoch seconds and money as
integer cents (see `bulk_load`). The order generator then samples from the `Catalog` it returns.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from random import Random

from ownerbot.upstream.demo.bulk_load import Row
from ownerbot.upstream.demo.timegrid import DAY, HOUR, TimeGrid

# (name, product kind, count, price range in whole currency units, variant family)
_CATEGORIES: tuple[tuple[str, str, int, tuple[int, int], str], ...] = (
    ("Платья", "product", 22, (49, 189), "size"),
    ("Верх", "product", 22, (29, 119), "size"),
    ("Низ", "product", 18, (39, 139), "size"),
    ("Верхняя одежда", "product", 12, (89, 349), "size"),
    ("Обувь", "product", 14, (59, 199), "shoe"),
    ("Аксессуары", "product", 12, (9, 69), "colour"),
    ("Сумки", "product", 8, (39, 189), "colour"),
    ("Курсы", "course", 12, (29, 399), "tariff"),
)
_BASE_NAMES: dict[str, tuple[str, ...]] = {
    "Платья": (
        "Платье миди",
        "Платье макси",
        "Платье-рубашка",
        "Платье-комбинация",
        "Сарафан",
        "Платье мини",
    ),
    "Верх": ("Блуза", "Рубашка оверсайз", "Топ на бретелях", "Свитер", "Кардиган", "Водолазка", "Худи"),
    "Низ": ("Брюки палаццо", "Джинсы мом", "Юбка миди", "Юбка плиссе", "Шорты", "Брюки-кюлоты"),
    "Верхняя одежда": ("Тренч", "Пальто", "Жакет", "Пуховик", "Ветровка", "Косуха"),
    "Обувь": ("Лоферы", "Кеды", "Ботильоны", "Сандалии", "Балетки", "Мюли"),
    "Аксессуары": ("Шарф", "Ремень", "Серьги", "Платок шёлковый", "Панама", "Колье"),
    "Сумки": ("Сумка-шоппер", "Клатч", "Рюкзак", "Сумка через плечо", "Поясная сумка"),
}
_COLLECTIONS = (
    "Лаванда", "Милан", "Бриз", "Сиена", "Нуар", "Айва", "Дюна", "Вереск", "Мята", "Корица",
    "Лён", "Сакура", "Оникс", "Луна", "Шалфей", "Ривьера", "Капри", "Тоскана", "Карамель", "Олива",
)  # fmt: skip
_COURSES = (
    "Курс «Капсульный гардероб»", "Курс «Стилист с нуля»", "Мастер-класс «Цветотипы»",
    "Курс «Шопинг без ошибок»", "Интенсив «Базовый гардероб»", "Курс «Личный бренд»",
    "Вебинар «Тренды сезона»", "Курс «Шьём платье»", "Мастер-класс «Аксессуары»", "Курс «Стиль 40+»",
    "Курс «Фотосъёмка одежды»", "Марафон «Разбор гардероба»",
)  # fmt: skip
_VARIANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "size": (("XS", "XS"), ("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL")),
    "shoe": tuple((str(size), str(size)) for size in range(36, 42)),
    "colour": (("Чёрный", "BLK"), ("Бежевый", "BEI"), ("Молочный", "MLK"), ("Оливковый", "OLV")),
    "tariff": (("Базовый", "BAS"), ("С проверкой ДЗ", "PRO"), ("VIP", "VIP")),
}
_LOOK_NAMES = (
    "Город", "Пикник", "Офис", "Вечер", "Уикенд", "Море", "Осень в Париже", "Свидание", "Аэропорт",
    "Театр", "Кофе с подругой", "Дача", "Выставка", "Бранч", "Прогулка", "Конференция", "Концерт", "Отпуск",
)  # fmt: skip
_PROGRAMS = (
    "Стиль с нуля",
    "Гардероб под ключ",
    "Профессия стилист",
    "Мода и фото",
    "Шьём сами",
    "Имидж 360",
)
_FIRST_NAMES = (
    "Анна", "Мария", "Екатерина", "Ольга", "Наталья", "Елена", "Ирина", "Дарья", "Алина", "Виктория",
    "Полина", "Ксения", "Юлия", "Светлана", "Татьяна", "Софья", "Алексей", "Дмитрий", "Сергей", "Иван",
)  # fmt: skip
_INITIALS = "АБВГДЕЖЗИКЛМНОПРСТУФХЧШЮЯ"
# (code, percent, starts: days before today, ends: days after today or None, max uses, active)
_COUPONS: tuple[tuple[str, int, int, int | None, int | None, bool], ...] = (
    ("WELCOME10", 10, 400, None, None, True),
    ("VIP20", 20, 400, None, None, True),
    ("SPRING15", 15, 20, 10, None, True),
    ("FLASH30", 30, 45, -43, 150, False),
    ("NEWYEAR20", 20, 90, -80, None, False),
    ("BLOGGER12", 12, 35, None, 400, True),
    ("BLACKFRIDAY25", 25, 200, -190, None, False),
    ("PAUSED5", 5, 30, None, None, False),
)
# Money amounts scale with the currency so a RUB shop does not sell dresses for 49 roubles.
_PRICE_SCALE = {"RUB": 100, "KZT": 450, "UAH": 45, "JPY": 160, "INR": 90}

OUT_OF_STOCK_SHARE = 0.08
LOW_STOCK_SHARE = 0.15
COURSE_STOCK = 999  # digital goods: a large constant, so "out of stock" only ever means physical products


@dataclass(frozen=True)
class Product:
    """What the order generator needs to know about one product."""

    id: int
    category_id: int
    kind: str
    price: int | None  # cents; None = missing price
    status: str
    variant_ids: tuple[int, ...]


@dataclass(frozen=True)
class Coupon:
    id: int
    code: str
    percent: int
    starts: int
    ends: int | None
    max_uses: int | None
    usable: bool  # paused coupons are never applied


@dataclass
class Catalog:
    """Generated reference rows plus the lookup structures the order generator samples from."""

    rows: dict[str, list[Row]]
    products: dict[int, Product]
    coupons: list[Coupon]
    customer_count: int
    course_looks: list[int]
    outfit_looks: list[int]
    out_of_stock_ids: list[int]
    # Cumulative popularity over sellable products: (ids, cumulative weights); "recent" = ACTIVE only.
    samplers: dict[str, tuple[list[int], list[float]]] = field(default_factory=dict)

    def sample(self, sampler: str, r: float) -> int:
        """A product id drawn by popularity, `r` uniform in [0, 1)."""
        ids, cum = self.samplers[sampler]
        return ids[bisect_right(cum, r * cum[-1])]


def _price(rng: Random, low: int, high: int, scale: int) -> int:
    whole = rng.randint(low, high) * scale
    return whole * 100 - rng.choice((0, 1, 10))  # 49.00, 48.99, 48.90


def build_catalog(rng: Random, grid: TimeGrid, *, currency: str, orders: int) -> Catalog:
    """Categories, products, variants, looks, customers, coupons and FX snapshots."""
    scale = _PRICE_SCALE.get(currency, 1)
    first_start = grid.starts[0]
    now = grid.now
    categories: list[Row] = []
    products: list[Row] = []
    variants: list[Row] = []
    lookup: dict[int, Product] = {}
    out_of_stock: list[int] = []
    product_id = variant_id = 0
    for category_id, (cat_name, kind, count, (low, high), family) in enumerate(_CATEGORIES, start=1):
        categories.append((category_id, cat_name))
        if kind == "course":
            names = list(_COURSES[:count])
        else:
            pairs = [(b, c) for b in _BASE_NAMES[cat_name] for c in _COLLECTIONS]
            names = [f"{b} «{c}»" for b, c in rng.sample(pairs, count)]
        for name in names:
            product_id += 1
            price: int | None = _price(rng, low, high, scale)
            compare_at: int | None = None
            discount: int | None = None
            roll = rng.random()
            status = "ACTIVE" if roll < 0.8 else ("HIDDEN" if roll < 0.9 else "ARCHIVED")
            if kind == "product" and rng.random() < 0.035:
                price = None  # a product the owner forgot to price
            elif price is not None and status == "ACTIVE" and rng.random() < 0.1:
                discount = rng.choice((10, 15, 20, 30))
                compare_at = price
                price = (price * (100 - discount) + 50) // 100
            options = _VARIANTS[family]
            if family in ("size", "shoe"):
                first = rng.randint(0, len(options) - 3)
                options = options[first : first + rng.randint(3, len(options) - first)]
            elif family == "colour":
                options = options[: rng.randint(1, len(options))]
            stock_roll = rng.random()
            ids: list[int] = []
            stock_total = 0
            for index, (variant_name, code) in enumerate(options):
                variant_id += 1
                if kind == "course":
                    stock = COURSE_STOCK // len(options) + (COURSE_STOCK % len(options) if index == 0 else 0)
                elif stock_roll < OUT_OF_STOCK_SHARE:
                    stock = 0
                elif stock_roll < OUT_OF_STOCK_SHARE + LOW_STOCK_SHARE:
                    stock = rng.randint(0, 1)  # at most five variants: the product stays at <= 5
                else:
                    stock = rng.randint(2, 30)
                stock_total += stock
                ids.append(variant_id)
                variants.append((variant_id, product_id, variant_name, f"P{product_id:03d}-{code}", stock))
            if kind == "product" and stock_total == 0:
                out_of_stock.append(product_id)
            created = first_start - rng.randint(30, 400) * DAY - rng.randint(0, DAY)
            updated = min(now, max(created, first_start) + int(rng.random() * (now - first_start)))
            products.append(
                (
                    product_id,
                    category_id,
                    name,
                    kind,
                    price,
                    compare_at,
                    discount,
                    currency,
                    stock_total,
                    rng.random() > 0.08,  # has_photo
                    rng.random() > 0.4,  # has_video
                    status,
                    created,
                    updated,
                )
            )
            lookup[product_id] = Product(product_id, category_id, kind, price, status, tuple(ids))
    catalog = Catalog(
        rows={"demo_categories": categories, "demo_products": products, "demo_variants": variants},
        products=lookup,
        coupons=[],
        customer_count=0,
        course_looks=[],
        outfit_looks=[],
        out_of_stock_ids=out_of_stock,
    )
    _add_samplers(rng, catalog)
    _add_looks(rng, grid, catalog)
    _add_customers(rng, catalog, orders)
    _add_coupons(grid, catalog)
    _add_fx(rng, grid, catalog)
    return catalog


def _add_samplers(rng: Random, catalog: Catalog) -> None:
    # A few bestsellers and a long tail: weight = u^3 spreads popularity over two orders of magnitude.
    weights = {pid: 0.05 + rng.random() ** 3 for pid in catalog.products}
    for kind in ("product", "course"):
        for scope in ("early", "recent"):
            ids = [
                p.id
                for p in catalog.products.values()
                if p.kind == kind and p.price is not None and (scope == "early" or p.status == "ACTIVE")
            ]
            if not ids:  # e.g. nothing ACTIVE in a kind: fall back to every priced product of it
                ids = [p.id for p in catalog.products.values() if p.kind == kind and p.price is not None]
            catalog.samplers[f"{kind}_{scope}"] = (ids, list(accumulate(weights[i] for i in ids)))


def _add_looks(rng: Random, grid: TimeGrid, catalog: Catalog) -> None:
    physical = [p.id for p in catalog.products.values() if p.kind == "product"]
    courses = [p.id for p in catalog.products.values() if p.kind == "course"]
    rows: list[Row] = []
    span = grid.now - grid.starts[0]
    for name in _LOOK_NAMES:
        members = sorted(rng.sample(physical, rng.randint(2, 4)))
        updated = grid.starts[0] + int(rng.random() * span)
        rows.append((len(rows) + 1, f"Образ «{name}»", "outfit", rng.random() < 0.85, members, updated))
        catalog.outfit_looks.append(len(rows))
    for index, name in enumerate(_PROGRAMS):
        members = sorted(rng.sample(courses, rng.randint(2, 3)))
        updated = grid.starts[0] + int(rng.random() * span)
        # The first programme stays active: it is the target of the planted access-denial spike.
        active = index == 0 or rng.random() < 0.85
        rows.append((len(rows) + 1, f"Программа «{name}»", "course", active, members, updated))
        catalog.course_looks.append(len(rows))
    catalog.rows["demo_looks"] = rows


def _phone(rng: Random) -> str:
    roll = rng.random()
    if roll < 0.75:
        return f"+79{rng.randint(0, 999_999_999):09d}"
    if roll < 0.95:
        return f"+491{rng.choice((5, 6, 7))}{rng.randint(0, 99_999_999):08d}"
    return f"+37529{rng.randint(0, 9_999_999):07d}"


def _add_customers(rng: Random, catalog: Catalog, orders: int) -> None:
    count = max(60, orders // 6)
    catalog.customer_count = count
    catalog.rows["demo_customers"] = [
        (
            customer_id,
            rng.randint(100_000_000, 7_999_999_999),
            f"{rng.choice(_FIRST_NAMES)} {rng.choice(_INITIALS)}.",
            _phone(rng),
        )
        for customer_id in range(1, count + 1)
    ]


def _add_coupons(grid: TimeGrid, catalog: Catalog) -> None:
    today_start = grid.starts[grid.today_index]
    rows: list[Row] = []
    for coupon_id, (code, percent, starts_ago, ends_in, max_uses, usable) in enumerate(_COUPONS, start=1):
        starts = today_start - starts_ago * DAY + 9 * HOUR
        ends = None if ends_in is None else today_start + ends_in * DAY + 9 * HOUR
        active = usable and (ends is None or ends > grid.now)
        rows.append((coupon_id, code, percent, active, starts, ends, max_uses))
        catalog.coupons.append(Coupon(coupon_id, code, percent, starts, ends, max_uses, usable))
    catalog.rows["demo_coupons"] = rows


def _add_fx(rng: Random, grid: TimeGrid, catalog: Catalog) -> None:
    # One snapshot a day at 06:00 shop time: EUR base, USD and RUB drifting as random walks.
    usd, rub = 1.08, 98.0
    rows: list[Row] = []
    for index, hours in enumerate(grid.hour_starts):
        fetched = hours[6]
        if fetched > grid.now:
            break
        usd *= 1 + rng.gauss(0, 0.003)
        rub *= 1 + rng.gauss(0, 0.006)
        rates = {"USD": f"{usd:.4f}", "RUB": f"{rub:.4f}"}
        rows.append((index + 1, f"rs-{index + 1:05d}", "EUR", rates, fetched))
    catalog.rows["demo_fx_snapshots"] = rows
