namespace MssGateway.Delivery.Tests;

/// <summary>Messages shaped like MSSanté mail: Référentiel #2 X-MSS-* fields, 8-bit text, an attachment, odd folding.</summary>
public static class SampleMessages
{
    public const string Subject = "Compte rendu confidentiel patient DUPONT";

    public static string Clinical(string messageId = "cr-1@hopital-a.test", string extraHeaders = "") =>
        "Received: from poste12.hopital-a.test (10.0.0.12) by mail.hopital-a.test;\r\n\tMon, 23 Nov 2026 05:00:00 +0100\r\n" +
        extraHeaders +
        "From: \"Dr Martin\" <dr.martin@hopital-a.test>\r\n" +
        "To: dr.durand@operateur-b.test\r\n" +
        $"Subject: {Subject}\r\n" +
        $"Message-ID: <{messageId}>\r\n" +
        "Date: Mon, 23 Nov 2026 05:00:00 +0100\r\n" +
        "X-MSS-NIL: LOGICIEL-DPI/4.2  ref=abc\r\n" +
        "x-mss-ins:   1234567890123^^^&1.2.250.1.213.1.4.8&ISO\r\n" +
        "X-MSS-CODECDA: 11488-4^Note de consultation^LOINC\r\n\t(suite pliée)\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed;\r\n boundary=\"=_b1\"\r\n" +
        "\r\n" +
        "preamble kept as is\r\n" +
        "--=_b1\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "\r\n" +
        "Résultats : état stable, à revoir dans 3 mois.   \r\n" +
        ".une ligne qui commence par un point\r\n" +
        "..deux points\r\n" +
        "--=_b1\r\n" +
        "Content-Type: application/pdf; name=\"cr.pdf\"\r\n" +
        "Content-Disposition: attachment; filename=\"cr.pdf\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "\r\n" +
        "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZURl\r\n" +
        "--=_b1--\r\n" +
        "epilogue\r\n";
}
