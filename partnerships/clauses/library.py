"""The standard clause sets in formal Indonesian, loaded by `flask clauses load-defaults`.

Placeholders (rendered in a sandbox when a draft is created): {{ para_pihak }}, {{ pihak_kesatu }},
{{ pihak_kedua }}, {{ kantor }}, {{ tentang }}, {{ program }}, {{ pendanaan }}, {{ jangka_waktu }},
{{ masa_berlaku }}, {{ tanggal_mulai }}, {{ tanggal_berakhir }}, {{ tempat }}, {{ wilayah }},
{{ induk }}, {{ induk_nomor }}, {{ induk_tanggal }}, {{ induk_tentang }}, {{ induk_rujukan }},
{{ rangkap }} and {{ jenis }} ("mou" or "pks"); see `services.SAMPLE_CONTEXT`.

The term is written with {{ masa_berlaku }}: the dates once they are known, otherwise "terhitung
sejak tanggal ditandatangani oleh PARA PIHAK", so no text reaches signature with "tanggal ...".
{{ tanggal_mulai }} and {{ tanggal_berakhir }} stay "..." while unknown, and a text still holding
"..." cannot be approved or signed. An addendum cites what it amends with {{ induk_rujukan }}
(title, each party's number, signing date, subject); a renewal what it renews.
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
        "Kesepakatan Bersama ini berlaku {{ masa_berlaku }} dan dapat diperpanjang atas "
        "kesepakatan PARA PIHAK.",
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
        "Perjanjian ini berlaku {{ masa_berlaku }}.",
    ),
    (
        "Monitoring dan Evaluasi",
        "PARA PIHAK melakukan monitoring dan evaluasi atas realisasi kepesertaan paling sedikit "
        "1 (satu) kali dalam 3 (tiga) bulan.",
    ),
]

# "Perjanjian" or "Kesepakatan Bersama": how an addendum or renewal names its family's document.
_DOC = "{{ 'Perjanjian Kerja Sama' if jenis == 'pks' else 'Kesepakatan Bersama' }}"
_SHORT = "{{ 'Perjanjian' if jenis == 'pks' else 'Kesepakatan Bersama' }}"

ADDENDUM = [
    (
        "Dasar Perubahan",
        "(1) PARA PIHAK telah menandatangani {{ induk_rujukan }}, yang selanjutnya disebut "
        f"{_SHORT}.\n(2) PARA PIHAK sepakat mengubah {_SHORT} sebagaimana dimaksud pada ayat (1) "
        "mengenai {{ tentang }}, dengan ketentuan sebagaimana diatur dalam Addendum ini.",
    ),
    (
        "Perubahan",
        f'Ketentuan Pasal ... {_SHORT} diubah sehingga berbunyi sebagai berikut:\n"Pasal ...\n..."',
    ),
    (
        "Ketentuan yang Tetap Berlaku",
        f"Ketentuan lain dalam {_SHORT} yang tidak diubah dengan Addendum ini dinyatakan tetap "
        "berlaku dan mengikat PARA PIHAK.",
    ),
    (
        "Jangka Waktu",
        "Addendum ini berlaku {{ masa_berlaku }}.",
    ),
    (
        "Penutup",
        f"Addendum ini merupakan bagian yang tidak terpisahkan dari {_SHORT}, dibuat dan "
        "ditandatangani di {{ tempat }} dalam rangkap {{ rangkap }}, masing-masing bermeterai "
        "cukup dan mempunyai kekuatan hukum yang sama.",
    ),
]

RENEWAL = [
    (
        "Dasar Perpanjangan",
        f"(1) {_DOC} ini merupakan perpanjangan dari {{{{ induk_rujukan }}}}.\n(2) Dengan "
        f"berlakunya {_DOC} ini, hak dan kewajiban PARA PIHAK yang timbul berdasarkan "
        f"{_SHORT} sebagaimana dimaksud pada ayat (1) dan belum diselesaikan tetap dilaksanakan "
        f"sampai dengan selesai.",
    ),
    (
        "Maksud dan Tujuan",
        f"{_DOC} antara {{{{ para_pihak }}}} ini dimaksudkan untuk melanjutkan kerja sama PARA "
        "PIHAK tentang {{ tentang }} guna memberikan perlindungan program {{ program }} bagi "
        "pekerja di wilayah {{ wilayah }}.",
    ),
    (
        "Ruang Lingkup",
        f"Ruang lingkup {_DOC} ini meliputi sosialisasi, pendaftaran, pembayaran iuran, "
        "pelayanan manfaat, serta pertukaran data kepesertaan program {{ program }}.",
    ),
    (
        "Hak dan Kewajiban",
        "(1) PIHAK KESATU berkewajiban memberikan pelayanan dan manfaat program {{ program }} "
        "kepada peserta sesuai dengan ketentuan peraturan perundang-undangan.\n(2) PIHAK KEDUA "
        "berkewajiban mendaftarkan pekerja yang menjadi sasaran kerja sama, membayar iuran "
        "tepat waktu, dan menyampaikan perubahan data peserta.",
    ),
    (
        "Pembiayaan",
        f"Biaya yang timbul dalam pelaksanaan {_DOC} ini dibebankan kepada {{{{ pendanaan }}}} "
        "sesuai dengan ketentuan peraturan perundang-undangan.",
    ),
    (
        "Jangka Waktu",
        f"{_DOC} ini berlaku {{{{ masa_berlaku }}}} dan dapat diperpanjang kembali atas "
        "kesepakatan PARA PIHAK.",
    ),
    (
        "Monitoring dan Evaluasi",
        f"PARA PIHAK melakukan monitoring dan evaluasi atas pelaksanaan {_DOC} ini paling "
        "sedikit 1 (satu) kali dalam 6 (enam) bulan.",
    ),
]

DEFAULTS = {
    "mou": MOU + COMMON_TAIL,
    "pks": PKS + COMMON_TAIL,
    "addendum": ADDENDUM,
    "renewal": RENEWAL + COMMON_TAIL,
}
