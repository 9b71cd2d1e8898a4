"""The lossy Thai damage: UTF-8 read as ISO-8859-11 with the C1 bytes dropped.

Each character's lead byte survives, so the text can be regrouped into characters
(`damage.parse_lossy`); where continuation bytes are gone, every well-formed character that
fits is a candidate, and `choose.choose` picks the most probable one. The layers, each
importing only from those below it:

    choose
    languages
    words
    chain  styled  thai  japanese
    context  lattice  mecab  calibration  syllables
    naming
    damage  prior  emoji
    candidates  cache  mapped

Importing this package loads nothing heavy; the models (wordfreq, PyThaiNLP's word counts,
Mozc's dictionary) are loaded on first use. Their tables are built once per installation and
kept in the user's cache folder, from which every later process maps them (`cache`).
"""
