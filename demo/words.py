"""The demo's vocabulary: names, places and words, and per genre the patterns its names follow."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Words:
    """The vocabulary of one genre; patterns name pools in braces: "{adj} {noun}"."""

    artist_patterns: tuple[str, ...]
    album_patterns: tuple[str, ...]
    track_patterns: tuple[str, ...]
    adj: tuple[str, ...]
    noun: tuple[str, ...]
    lowercase: bool = False


def _split(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


FIRST = _split(
    "Ada, Alice, Amara, Amélie, Ana, Anders, Arlo, Astrid, Ben, Bianca, Caleb, Camille, Carmen, Chloé, "
    "Cora, Dara, Dev, Elena, Eli, Elsa, Emeka, Esme, Felix, Freya, Gus, Hana, Hugo, Ines, Ingrid, Isaac, "
    "Ivy, Jonas, José, Juno, Kai, Kenji, Lena, Leo, Lila, Lou, Luca, Mabel, Malik, Mara, Marta, Mateo, "
    "Maya, Milo, Mira, Nadia, Nico, Nina, Noor, Odette, Oren, Otis, Pia, Priya, Quinn, Rafael, Remy, "
    "Rosa, Ruth, Sami, Selma, Silas, Sofia, Søren, Tariq, Tess, Theo, Una, Vera, Wren, Yara, Yusuf, Zoë",
)
LAST = _split(
    "Abernathy, Achebe, Alvarez, Andersen, Bakker, Baptiste, Bell, Castellano, Chen, Costa, Dahl, "
    "Delacroix, Duarte, Eklund, Fairweather, Falk, Ferreira, Garnier, Halloran, Haddad, Hart, Ibsen, "
    "Ishikawa, Jansen, Kaur, Keane, Kowalski, Lambert, Lindqvist, Lowe, Marsh, Moreau, Müller, Nakamura, "
    "Novak, O'Connell, Okafor, Olsen, Ortega, Park, Petrova, Quist, Reyes, Rivera, Rossi, Sato, "
    "Schäfer, Silva, Sørensen, Stone, Thorne, Varga, Vance, Wade, Whitaker, Yilmaz, Young, Zimmerman",
)
PLACE = _split(
    "Lisbon, Osaka, Detroit, Memphis, Reykjavík, Marseille, Havana, Kingston, Montréal, Oslo, Bristol, "
    "Berlin, Lagos, Nashville, Seville, Tbilisi, Valparaíso, Halifax, Glasgow, Kyoto, Tangier, Tulsa, "
    "Trieste, Bergen, Galway, Porto, Santa Fe, Malmö, Brooklyn, Chicago, Naples, Dakar",
)
COLOR = _split(
    "Amber, Azure, Cobalt, Crimson, Golden, Indigo, Ivory, Jade, Lilac, Ochre, Scarlet, Silver, "
    "Teal, Velvet, Violet, Copper, Rose, Sable, Saffron, Emerald",
)
COMMON_ADJ = _split(
    "Quiet, Distant, Bright, Hidden, Endless, Gentle, Restless, Lonely, Golden, Wild, Hollow, Silent, "
    "Faded, Burning, Paper, Secret, Broken, Open, Northern, Southern, Slow, Electric, Early, Last",
)
COMMON_NOUN = _split(
    "River, Light, Garden, Window, Summer, Winter, Harbor, Mirror, Shadow, Ocean, Avenue, Letter, "
    "Lantern, Meadow, Satellite, Signal, Echo, Horizon, Morning, Evening, Island, Coast, Season, Road",
)

GENRES: dict[str, Words] = {
    "Synthwave": Words(
        artist_patterns=("{adj} {noun}", "{noun} {noun}", "{first} {noun}", "{noun}runner", "{color} {noun}"),
        album_patterns=("{adj} {noun}", "{noun} {number}", "{place} {noun}", "{color} {noun}", "{noun}"),
        track_patterns=(
            "{adj} {noun}",
            "{noun}",
            "{noun} {noun}",
            "{place} at Night",
            "{noun} (Night Drive)",
        ),
        adj=_split(
            "Neon, Chrome, Midnight, Electric, Turbo, Crystal, Laser, Digital, Analog, Infinite, "
            "Hyper, Retro, Ultra, Synthetic, Magnetic, Radiant, Cyber, Violet"
        ),
        noun=_split(
            "Horizon, Drive, Arcade, Skyline, Cassette, Highway, Mirage, Vector, Grid, Sunset, "
            "Pulse, Nightcall, Boulevard, Velocity, Hologram, Palms, Circuit, Overdrive, Motel"
        ),
    ),
    "House": Words(
        artist_patterns=(
            "DJ {last}",
            "{first} {last}",
            "{noun} Society",
            "{adj} Collective",
            "{place} House Club",
            "{first} & {first}",
        ),
        album_patterns=(
            "{adj} {noun}",
            "{place} Sessions",
            "{noun} Theory",
            "Deep {noun}",
            "{noun} Vol. {digit}",
        ),
        track_patterns=(
            "{adj} {noun}",
            "{noun} (Club Mix)",
            "{noun} (Dub)",
            "Feel the {noun}",
            "{noun} Tonight",
            "{adj} Love",
        ),
        adj=_split("Deep, Soulful, Warm, Late, Golden, Higher, Lifted, Sunday, Velvet, Disco, Pure, Free"),
        noun=_split(
            "Groove, Basement, Floor, Rhythm, Feeling, Jack, Warehouse, Soul, Garage, Loft, "
            "Movement, Heat, Body, Devotion, Paradise, Gospel"
        ),
    ),
    "Techno": Words(
        artist_patterns=("{noun} {number}", "Unit {number}", "{last}", "{adj} {noun}", "{noun} Protocol"),
        album_patterns=(
            "{noun}",
            "{adj} {noun}",
            "{noun} / {noun}",
            "Cycle {number}",
            "{place} Transmissions",
        ),
        track_patterns=("{noun}", "{noun} {number}", "{adj} {noun}", "{noun} (Loop)", "Sequence {number}"),
        adj=_split("Void, Cold, Concrete, Binary, Modular, Black, Iron, Dark, Minimal, Hard, Sub, Raw"),
        noun=_split(
            "Subsystem, Reactor, Frequency, Transmission, Kernel, Fabric, Oscillator, Machine, "
            "Tunnel, Pattern, Axis, Phase, Monolith, Static, Terminal, Voltage, Dynamo"
        ),
    ),
    "Ambient": Words(
        artist_patterns=(
            "{adj} {noun}",
            "Stars of the {noun}",
            "{noun} & {noun}",
            "{first} {last}",
            "Hollow {noun}",
        ),
        album_patterns=("{adj} {noun}", "{noun} for {noun}", "Music for {noun}", "{noun}", "{color} {noun}"),
        track_patterns=("{adj} {noun}", "{noun}", "{noun} of {noun}", "Drifting {noun}", "{noun} (Reprise)"),
        adj=_split("Still, Floating, Drifting, Pale, Slow, Weightless, Vast, Soft, Thin, Luminous, Glacial"),
        noun=_split(
            "Fields, Tides, Clouds, Dust, Airports, Light, Glass, Water, Snow, Fog, Lakes, Hours, "
            "Breath, Stillness, Embers, Moss, Drift, Shores"
        ),
    ),
    "Drum & Bass": Words(
        artist_patterns=("{noun} Theory", "{adj} {noun}", "{last} & {last}", "{noun}", "Sub {noun}"),
        album_patterns=("{adj} {noun}", "{noun} Pressure", "{noun} System", "{noun}", "{place} Bass"),
        track_patterns=("{adj} {noun}", "{noun}", "{noun} (VIP)", "{noun} Run", "Rolling {noun}"),
        adj=_split("Liquid, Rapid, Heavy, Deep, Rolling, Atomic, Urban, Night, Solar, Kinetic, Sonic"),
        noun=_split(
            "Pressure, Velocity, Amen, Bassline, Skyline, Breaks, Jungle, Motion, Current, "
            "Reflex, Shift, Circuit, Gravity, Vortex, Signal"
        ),
    ),
    "Lo-Fi Hip Hop": Words(
        artist_patterns=("{adj} {noun}", "{first}.wav", "{noun} tapes", "{first} beats", "{noun}"),
        album_patterns=(
            "{noun} tapes",
            "{adj} {noun}",
            "{noun} vol. {digit}",
            "late night {noun}",
            "{noun} & {noun}",
        ),
        track_patterns=("{adj} {noun}", "{noun}", "{noun} loop", "{noun} at 3am", "{adj} {noun} (interlude)"),
        adj=_split("sleepy, rainy, dusty, cozy, hazy, mellow, sunday, slow, lazy, warm, faded, soft"),
        noun=_split(
            "fox, coffee, window, study, library, rain, vinyl, cat, tea, notebook, cassette, "
            "balcony, daydream, lantern, sunday, homework, moonlight, bedroom"
        ),
        lowercase=True,
    ),
    "Jazz": Words(
        artist_patterns=(
            "The {first} {last} Trio",
            "The {first} {last} Quartet",
            "{first} {last}",
            "{last} & {last}",
            "{first} {last} Quintet",
        ),
        album_patterns=(
            "Live at the {noun}",
            "{adj} {noun}",
            "Blue {noun}",
            "{noun} Suite",
            "{place} Nights",
            "Portrait of {first}",
        ),
        track_patterns=(
            "Blues for {first}",
            "{first}'s Tune",
            "{adj} {noun}",
            "Round {noun}",
            "{noun} Bossa",
            "{noun} Waltz",
            "Waltz for {first}",
        ),
        adj=_split("Blue, Smoky, Late, Straight, Velvet, Modal, Cool, Cosmic, Gentle, Tender, Bright"),
        noun=_split(
            "Lounge, Village, Vanguard, Avenue, Moods, Monk, Hour, Steps, Corner, Rendezvous, "
            "Standard, Train, Bird, Caravan, Serenade, Reverie"
        ),
    ),
    "Funk": Words(
        artist_patterns=(
            "The {adj} {noun}s",
            "{first} {last} & the {noun}s",
            "{last} Brothers",
            "{adj} {noun}",
            "The {noun} Machine",
        ),
        album_patterns=("{adj} {noun}", "Get {adj}", "{noun} Power", "{noun} Party", "{place} Strut"),
        track_patterns=(
            "{adj} {noun}",
            "Get Up and {noun}",
            "{noun} Strut",
            "{noun} Thang",
            "Funky {noun}",
            "{noun} (Part {number})",
        ),
        adj=_split("Funky, Super, Nasty, Groovy, Cosmic, Tight, Hot, Slick, Electric, Fresh, Heavy"),
        noun=_split(
            "Boogie, Strut, Sugar, Soul, Thunder, Bounce, Rhythm, Fire, Motion, Chicken, Funk, "
            "Brass, Shuffle, Sunshine, Popcorn, Jam"
        ),
    ),
    "Rock": Words(
        artist_patterns=(
            "The {noun}s",
            "{adj} {noun}s",
            "{noun} {noun}",
            "The {adj} {noun}",
            "{first} {last} Band",
        ),
        album_patterns=("{adj} {noun}", "{noun}", "{noun} and {noun}", "Sons of {noun}", "{place} {noun}"),
        track_patterns=(
            "{adj} {noun}",
            "{noun}",
            "Down the {noun}",
            "{noun} on Fire",
            "{adj} Heart",
            "No {noun}",
        ),
        adj=_split("Loud, Wild, Broken, Rusty, Howling, Electric, Heavy, Reckless, Stone, Black, Burning"),
        noun=_split(
            "Engine, Highway, Thunder, Wolf, Revolver, Machine, Canyon, Rebel, Fire, Ghost, Gravel, "
            "Crow, Anthem, Riot, Lightning, Diesel"
        ),
    ),
    "Indie Pop": Words(
        artist_patterns=(
            "{first} & the {noun}s",
            "{noun} {noun}",
            "{adj} {noun} Club",
            "The {noun}s",
            "{first} {last}",
        ),
        album_patterns=("{adj} {noun}", "{noun}", "Songs for {noun}s", "{noun} Season", "{color} {noun}"),
        track_patterns=("{adj} {noun}", "{noun}", "Call Me {adj}", "{noun} Song", "Sweet {noun}", "{first}"),
        adj=_split("Paper, Sunny, Sweet, Strange, Little, Teenage, Pastel, Dizzy, Lovely, Silly, Tiny"),
        noun=_split(
            "Heart, Balloon, Bicycle, Postcard, Polaroid, Summer, Crush, Kite, Bubblegum, "
            "Daydream, Sweater, Firefly, Honey, Rollercoaster, Parade"
        ),
    ),
    "Folk": Words(
        artist_patterns=(
            "{first} {last}",
            "The {place} {noun}s",
            "{last} & {last}",
            "{first} of the {noun}",
            "The {adj} {noun}s",
        ),
        album_patterns=(
            "{adj} {noun}",
            "Songs from the {noun}",
            "{place}",
            "The {noun} Road",
            "{noun} and {noun}",
        ),
        track_patterns=(
            "{adj} {noun}",
            "The {noun}",
            "Ballad of {first}",
            "{noun} Song",
            "Down by the {noun}",
            "{first}'s Lament",
        ),
        adj=_split("Old, Green, Little, Winding, Cold, Wandering, Lonesome, Barefoot, Northern, Wooden"),
        noun=_split(
            "Hills, Meadow, Hollow, Harvest, Pines, Orchard, Sparrow, Cabin, Ferry, Willow, Creek, "
            "Lantern, Valley, Shepherd, Ember, Bramble"
        ),
    ),
    "Classical": Words(
        artist_patterns=(
            "{place} String Quartet",
            "{first} {last}",
            "Ensemble {noun}",
            "Camerata {place}",
            "{place} Chamber Orchestra",
        ),
        album_patterns=(
            "{form}s",
            "{form}s and {form}s",
            "{noun}: Music for Strings",
            "The {adj} {form}",
            "{form}s, Book {digit}",
        ),
        track_patterns=(
            "{form} in {key}",
            "{form} No. {number} in {key}",
            "{tempo}",
            "{roman}. {tempo}",
            "{form} '{noun}'",
        ),
        adj=_split("Complete, Early, Late, Unfinished, Pastoral, Little, Italian, Winter, Evening"),
        noun=_split("Aurora, Lumen, Aria, Nocturne, Vesper, Solstice, Elegy, Serenata, Canzona, Reverie"),
    ),
    "Reggae": Words(
        artist_patterns=(
            "{first} {last}",
            "{adj} {noun}s",
            "The {noun} Roots",
            "{last} & the {noun}s",
            "King {first}",
        ),
        album_patterns=("{adj} {noun}", "{noun} Dub", "Roots of {noun}", "{place} Rock", "{noun} Vibration"),
        track_patterns=(
            "{adj} {noun}",
            "{noun} Dub",
            "One {noun}",
            "{noun} a Yard",
            "Rise {noun}",
            "{noun} Skank",
        ),
        adj=_split("Roots, Irie, Natural, Rockers, Mystic, Conscious, Steppin', Sunshine, Island, Humble"),
        noun=_split(
            "Lion, Zion, Sound, Roots, Riddim, Harmony, Sunrise, Jah, Freedom, Yard, Wisdom, "
            "Mountain, Dub, Vibration, Love, Rain"
        ),
    ),
    "Chiptune": Words(
        artist_patterns=("{noun}bit", "{adj} Cartridge", "8-Bit {noun}", "{noun} Boy", "{first}Tracker"),
        album_patterns=("{adj} {noun}", "World {number}", "{noun} Quest", "Level {number}", "{noun} Select"),
        track_patterns=(
            "{noun} Stage",
            "{adj} {noun}",
            "World {digit}-{digit}",
            "{noun} Theme",
            "Boss: {noun}",
            "Continue?",
        ),
        adj=_split("Pixel, Turbo, Mega, Super, Hyper, Tiny, Glitch, Power, Retro, Crystal, Final"),
        noun=_split(
            "Castle, Dungeon, Sprite, Joystick, Rocket, Dragon, Coin, Cave, Island, Ghost, Forest, "
            "Warp, Blaster, Robot, Star, Heart"
        ),
    ),
}
GENRE_NAMES: tuple[str, ...] = tuple(GENRES)

# Neighbouring genres: some releases carry a second genre.
SECOND_GENRE = {
    "Synthwave": "Chiptune",
    "House": "Techno",
    "Techno": "House",
    "Ambient": "Classical",
    "Drum & Bass": "Techno",
    "Lo-Fi Hip Hop": "Jazz",
    "Jazz": "Funk",
    "Funk": "Jazz",
    "Rock": "Indie Pop",
    "Indie Pop": "Folk",
    "Folk": "Indie Pop",
    "Classical": "Ambient",
    "Reggae": "Funk",
    "Chiptune": "Synthwave",
}
CLASSICAL_FORMS = _split(
    "Nocturne, Prelude, Sonata, Étude, Suite, Fugue, Serenade, Impromptu, Romance, "
    "Fantasia, Partita, Divertimento"
)
CLASSICAL_TEMPI = _split(
    "Allegro, Andante, Adagio, Largo, Allegretto, Moderato, Presto, Andantino, "
    "Allegro ma non troppo, Adagio cantabile, Scherzo, Rondo, Menuetto"
)
KEYS = _split(
    "C major, A minor, G major, E minor, D major, B minor, F major, D minor, B-flat major, "
    "G minor, E-flat major, C minor, A major, F-sharp minor"
)
ROMAN = ("I", "II", "III", "IV", "V", "VI")
COMPILATION_TITLES = (
    "Greatest Hits",
    "The Best of {artist}",
    "Collected Works",
    "Anthology",
    "Rarities & B-Sides",
    "Essential {artist}",
)
