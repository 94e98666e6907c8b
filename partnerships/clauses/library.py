"""The standard clause sets in formal Indonesian, loaded by `flask clauses load-defaults`.

Placeholders (rendered in a sandbox when a draft is created): {{ para_pihak }}, {{ pihak_kesatu }},
{{ pihak_kedua }}, {{ kantor }}, {{ tentang }}, {{ program }}, {{ pendanaan }}, {{ jangka_waktu }},
{{ tanggal_mulai }}, {{ tanggal_berakhir }}, {{ tempat }}, {{ wilayah }}, {{ induk }},
{{ rangkap }} and {{ jenis }} ("mou" or "pks"); see `services.SAMPLE_CONTEXT`.
"""

COMMON_TAIL = [
    (
        "Kerahasiaan Data",
        "PARA PIHAK wajib menjaga kerahasiaan data dan informasi yang diperoleh dalam "
        "pelaksanaan {{ 'Perjanjian' if jenis == 'pks' else 'Kesepakatan' }} ini dan hanya "
        "menggunakannya untuk tujuan sebagaimana dimaksud dalam "
        "{{ 'Perjanjian' if jenis == 'pks' else 'Kesepakatan' }} ini, sesuai dengan ketentuan "
        "peraturan perundang-undangan mengenai pelindungan data pribadi.",
    ),
    (
        "Keadaan Kahar",
        "(1) Keadaan kahar adalah keadaan di luar kemampuan PARA PIHAK, antara lain bencana alam, "
        "wabah penyakit, kerusuhan, perang, dan kebijakan pemerintah yang secara langsung "
        "memengaruhi pelaksanaan kerja sama ini.\n(2) PIHAK yang mengalami keadaan kahar "
        "memberitahukan secara tertulis kepada PIHAK lainnya paling lambat 14 (empat belas) hari "
        "kalender sejak terjadinya keadaan kahar.",
    ),
    (
        "Penyelesaian Perselisihan",
        "Apabila terjadi perselisihan dalam pelaksanaan kerja sama ini, PARA PIHAK sepakat "
        "menyelesaikannya secara musyawarah untuk mufakat.",
    ),
    (
        "Perubahan",
        "Hal-hal yang belum diatur atau perubahan atas {{ 'Perjanjian' if jenis == 'pks' else "
        "'Kesepakatan' }} ini akan diatur kemudian oleh PARA PIHAK dalam addendum yang merupakan "
        "bagian tidak terpisahkan dari "
        "{{ 'Perjanjian' if jenis == 'pks' else 'Kesepakatan' }} ini.",
    ),
    (
        "Penutup",
        "{{ 'Perjanjian' if jenis == 'pks' else 'Kesepakatan Bersama' }} ini dibuat dan "
        "ditandatangani di {{ tempat }} dalam rangkap {{ rangkap }}, masing-masing bermeterai "
        "cukup dan mempunyai kekuatan hukum yang sama.",
    ),
]

MOU = [
    (
        "Maksud dan Tujuan",
        "(1) Kesepakatan Bersama antara {{ para_pihak }} ini dimaksudkan sebagai landasan kerja "
        "sama PARA PIHAK dalam {{ tentang }}.\n(2) Kesepakatan Bersama ini bertujuan meningkatkan "
        "cakupan kepesertaan program jaminan sosial ketenagakerjaan di wilayah {{ wilayah }}.",
    ),
    (
        "Ruang Lingkup",
        "Ruang lingkup Kesepakatan Bersama ini meliputi:\na. sosialisasi program {{ program }};\n"
        "b. pendaftaran dan perlindungan pekerja penerima upah dan bukan penerima upah;\n"
        "c. pertukaran dan pemanfaatan data kepesertaan; dan\nd. monitoring dan evaluasi.",
    ),
    (
        "Pelaksanaan",
        "Pelaksanaan Kesepakatan Bersama ini diatur lebih lanjut dalam Perjanjian Kerja Sama "
        "yang ditandatangani oleh pejabat yang ditunjuk PARA PIHAK.",
    ),
    (
        "Pembiayaan",
        "Biaya yang timbul dalam pelaksanaan Kesepakatan Bersama ini dibebankan kepada "
        "{{ pendanaan }} sesuai dengan ketentuan peraturan perundang-undangan.",
    ),
    (
        "Jangka Waktu",
        "Kesepakatan Bersama ini berlaku selama {{ jangka_waktu }} terhitung sejak tanggal "
        "{{ tanggal_mulai }} sampai dengan tanggal {{ tanggal_berakhir }} dan dapat diperpanjang "
        "atas kesepakatan PARA PIHAK.",
    ),
    (
        "Monitoring dan Evaluasi",
        "PARA PIHAK melakukan monitoring dan evaluasi atas pelaksanaan Kesepakatan Bersama ini "
        "paling sedikit 1 (satu) kali dalam 6 (enam) bulan.",
    ),
]

PKS = [
    (
        "Maksud dan Tujuan",
        "(1) Perjanjian Kerja Sama antara {{ para_pihak }} ini dimaksudkan sebagai pelaksanaan "
        "{{ induk or 'kerja sama PARA PIHAK' }} tentang {{ tentang }}.\n(2) Perjanjian ini "
        "bertujuan memberikan perlindungan program {{ program }} bagi pekerja di wilayah "
        "{{ wilayah }}.",
    ),
    (
        "Ruang Lingkup",
        "Ruang lingkup Perjanjian ini meliputi pendaftaran, pembayaran iuran, pelayanan manfaat, "
        "serta pertukaran data kepesertaan program {{ program }}.",
    ),
    (
        "Pelaksanaan",
        "PIHAK KEDUA mendaftarkan pekerja yang menjadi sasaran Perjanjian ini kepada PIHAK KESATU "
        "beserta data kepesertaan yang lengkap dan benar.",
    ),
    (
        "Hak dan Kewajiban",
        "(1) PIHAK KESATU berkewajiban memberikan pelayanan dan manfaat program {{ program }} "
        "kepada peserta sesuai dengan ketentuan peraturan perundang-undangan.\n(2) PIHAK KEDUA "
        "berkewajiban membayar iuran tepat waktu dan menyampaikan perubahan data peserta.",
    ),
    (
        "Pembiayaan",
        "Iuran dan biaya pelaksanaan Perjanjian ini dibebankan kepada {{ pendanaan }} sesuai "
        "dengan ketentuan peraturan perundang-undangan.",
    ),
    (
        "Jangka Waktu",
        "Perjanjian ini berlaku selama {{ jangka_waktu }} terhitung sejak tanggal "
        "{{ tanggal_mulai }} sampai dengan tanggal {{ tanggal_berakhir }}.",
    ),
    (
        "Monitoring dan Evaluasi",
        "PARA PIHAK melakukan monitoring dan evaluasi atas realisasi kepesertaan paling sedikit "
        "1 (satu) kali dalam 3 (tiga) bulan.",
    ),
]

DEFAULTS = {"mou": MOU + COMMON_TAIL, "pks": PKS + COMMON_TAIL}
