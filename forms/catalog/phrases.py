"""The fixed wording the catalog's template builders print, in each language they write."""

PHRASES = {
    "fr": {"form": "Formulaire", "stamp": "Cachet et signature de l'institution",
           "disclaimer": "Modèle illustratif établi par le projet à partir de sources publiques ; "
                         "il ne remplace pas le formulaire officiel.",
           "street": "Rue", "postal_code": "Code postal", "city": "Ville", "country": "Pays"},
    "sr-Latn": {"form": "Obrazac", "stamp": "Pečat i potpis ustanove",
                "disclaimer": "Ilustrativni model koji je projekat sačinio na osnovu javnih izvora; "
                              "ne zamenjuje zvanični obrazac."},
    "pt-BR": {"form": "Formulário", "stamp": "Carimbo e assinatura da instituição",
              "disclaimer": "Modelo ilustrativo elaborado pelo projeto a partir de fontes públicas; "
                            "não substitui o formulário oficial.",
              "street": "Logradouro", "postal_code": "CEP", "city": "Cidade", "country": "País"},
    "ar": {"form": "استمارة", "stamp": "خاتم المؤسسة وتوقيعها",
           "disclaimer": "نموذج توضيحي أعده المشروع انطلاقا من مصادر عمومية، ولا يحل محل الاستمارة الرسمية."},
}

def phrases(lang: str) -> dict[str, str]:
    return PHRASES.get(lang) or PHRASES[lang.split("-")[0]]
