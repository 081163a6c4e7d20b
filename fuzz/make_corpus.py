#!/usr/bin/env python3
"""Writes the committed seed corpus fuzz/corpus/TARGET/* from the captured and
documented messages of /work/shared/PROTOCOL.md (sections 2.4-2.8, 3.4-3.7,
4.2-4.5, 5.2-5.6). Each file is: one control byte (the target's options, see
the target's header comment), then the body. Run from anywhere:
    python3 fuzz/make_corpus.py
It rewrites the seed files it knows and leaves other files alone."""

import os
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
EUC = "euc_kr"


def pe(text, charset="utf-8"):
    """Percent-encode a value the way a browser form post does."""
    return quote(text.encode(charset), safe="-._~")


def form(pairs, charset="utf-8", encode=True):
    """key=value&... ; encode=False keeps values raw, as approval replies do."""
    if encode:
        return "&".join(f"{k}={pe(v, charset)}" for k, v in pairs).encode("ascii")
    return "&".join(f"{k}={v}" for k, v in pairs).encode(charset)


def write(target, name, control, body):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    data = (bytes([control]) if control is not None else b"") + body
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# PROTOCOL.md 2.4, real capture (INIpayTest, UTF-8).
AUTH_OK = [
    ("P_STATUS", "00"),
    ("P_RMESG1", "정상 처리 되었습니다."),
    ("P_TID", "INIMX_AUTHINIpayTest20241029164022745656"),
    ("P_REQ_URL", "https://ksmobile.inicis.com/smart/payReq.ini"),
    ("P_NOTI", ""),
    ("idc_name", "ks"),
    ("P_AMT", "2000"),
]
# 2.5, ISP card (EUC-KR, values raw as captured).
ISP = ("P_STATUS=00&P_AUTH_DT=20200821102612&P_AUTH_NO=22043784&P_RMESG1=성공적으로 처리 하였습니다."
       "&P_RMESG2=00&P_TID=INIMX_ISP_INIpayTest20200821102612225347&P_FN_CD1=06&P_AMT=1005&P_TYPE=CARD"
       "&P_UNAME=홍길동&P_MID=INIpayTest&P_OID=I1234567890123&P_NOTI=tb_item_cart.ic_seq"
       "&P_NEXT_URL=https://gopet.kr/pet/mainpage/INI_return.php&P_MNAME=울모애견샵&P_NOTEURL="
       "&P_CARD_MEMBER_NUM=&P_CARD_NUM=536510*********8&P_CARD_ISSUER_CODE=04&P_CARD_PURCHASE_CODE=06"
       "&P_CARD_PRTC_CODE=1&P_CARD_INTEREST=0&P_CARD_CHECKFLAG=1&P_CARD_ISSUER_NAME=국민카드"
       "&P_CARD_PURCHASE_NAME=국민계열&P_FN_NM=국민계열&P_ISP_CARDCODE=050204900094081&P_CARD_APPLPRICE=1005")
# 2.5, non-ISP card (UTF-8, the captured field set).
CARD = ("P_STATUS=00&P_RMESG1=성공적으로 처리 하였습니다.&P_TID=INIMX_CARDINIpayTest20241030120339525932"
        "&P_TYPE=CARD&P_AUTH_DT=20241030120339&P_AUTH_NO=00694683&P_MID=INIpayTest&P_OID=6e9143d98da24514"
        "&P_AMT=2000&P_UNAME=정상상&P_MNAME=&P_NOTI=&P_NEXT_URL=http://localhost:5000/api/pgreturn-mobile"
        "&P_NOTEURL=&P_RMESG2=00&P_FN_CD1=04&P_FN_NM=현대카드&P_CARD_NUM=529942*********0"
        "&P_CARD_ISSUER_CODE=00&P_CARD_ISSUER_NAME=현대(다이너스)카드&P_CARD_PURCHASE_CODE=04"
        "&P_CARD_PURCHASE_NAME=현대카드&P_CARD_MEMBER_NUM=&P_CARD_PRTC_CODE=1&P_CARD_INTEREST=0"
        "&P_CARD_CHECKFLAG=0&P_CARD_APPLPRICE=2000&CARD_CorpFlag=0&EventCode=&P_MERCHANT_RESERVED=dXNlcG9pbnQ9MCY%3D")
# 2.5, VBANK issuance (EUC-KR).
VBANK = ("P_STATUS=00&P_AUTH_DT=20160504112904&P_AUTH_NO=&P_RMESG1=성공적으로 처리 하였습니다.&P_RMESG2="
         "&P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_FN_CD1=&P_AMT=1000&P_TYPE=VBANK&P_UNAME="
         "&P_MID=INIpayTest&P_OID=INIpayTest_1462328917187&P_NOTI=&P_NEXT_URL=http://sozo.bestvpn.net/m/pay_save.php"
         "&P_MNAME=해피정닷컴&P_NOTEURL=&P_VACT_NUM=56211101573948&P_VACT_DATE=20160514&P_VACT_TIME=235900"
         "&P_VACT_NAME=이니시스㈜테스트입&P_VACT_BANK_CODE=88")
# 2.5, MOBILE / BANK + cash receipt / gift card: documented field names.
MOBILE = ("P_STATUS=00&P_RMESG1=성공적으로 처리 하였습니다.&P_TID=INIMX_HPP_INIpayTest20241030120339525933"
          "&P_TYPE=MOBILE&P_AUTH_DT=20241030120339&P_MID=INIpayTest&P_OID=6e9143d98da24514&P_AMT=2000"
          "&P_HPP_CORP=SKT&P_HPP_NUM=01012345678&P_HPP_BILLKEY=&P_FN_NM=SKT")
BANK = ("P_STATUS=00&P_RMESG1=성공적으로 처리 하였습니다.&P_TID=INIMX_BANKINIpayTest20241030120339525934"
        "&P_TYPE=BANK&P_AUTH_DT=20241030120339&P_MID=INIpayTest&P_OID=6e9143d98da24514&P_AMT=2000"
        "&P_FN_CD1=20&P_FN_NM=우리은행&P_CSHR_CODE=220000&P_CSHR_MSG=정상&P_CSHR_AMT=2000"
        "&P_CSHR_SUP_AMT=1818&P_CSHR_TAX=182&P_CSHR_SRVC_AMT=0&P_CSHR_TYPE=0&P_CSHR_DT=20241030120340"
        "&P_CSHR_AUTH_NO=123456789")
CULTURE = ("P_STATUS=00&P_RMESG1=성공적으로 처리 하였습니다.&P_TID=INIMX_CULTINIpayTest20241030120339525935"
           "&P_TYPE=CULTURE&P_AUTH_DT=20241030120339&P_MID=INIpayTest&P_OID=6e9143d98da24514&P_AMT=2000")
# 2.6, example deposit notification (percent-encoded EUC-KR).
DEPOSIT = (b"P_TID=INIMX_VBNKINIpayTest20160504112903950668&P_MID=INIpayTest&P_AUTH_DT=20160505093012"
           b"&P_STATUS=02&P_TYPE=VBANK&P_OID=INIpayTest_1462328917187&P_FN_CD1=88&P_FN_CD2="
           b"&P_FN_NM=%BD%C5%C7%D1%C0%BA%C7%E0&P_AMT=1000&P_UNAME=%C8%AB%B1%E6%B5%BF"
           b"&P_RMESG1=P_VACCT_NO%3D56211101573948%7CP_EXP_DT%3D20160514235900&P_RMESG2=&P_NOTI=&P_AUTH_NO=")
# 3.7, billing-key result (inibill card).
BILL_OK = [
    ("resultcode", "00"), ("resultmsg", "정상처리"), ("tid", "INIBillTst20130808171955123456"),
    ("billkey", "734f880246ece4ffdba841c1436399c9968d32cc"), ("orderid", "ORDERID1234"), ("mid", "INIBillTst"),
    ("pgauthdate", "20130808"), ("pgauthtime", "171955"), ("cardcd", "06"), ("cardno", "536510******1234"),
    ("cardkind", "0"), ("CheckFlag", "0"), ("merchantreserved", "below1000=Y"), ("p_noti", ""),
]

# --- form_decode -----------------------------------------------------------
write("form_decode", "noti_deposit_euckr", 0, DEPOSIT)
write("form_decode", "auth_utf8", 1, form(AUTH_OK))
write("form_decode", "approval_isp_raw_euckr_fallback", 3, ISP.encode(EUC))
write("form_decode", "billing_request_utf8", 1,
      b"mid=INIBillTst&authtype=D&orderid=ORDERID1234&price=1000&goodname=%EC%9B%94%EC%A0%95%EC%95%A1"
      b"&buyername=%ED%99%8D%EA%B8%B8%EB%8F%99&buyertel=01012345678&buyeremail=test%40example.com"
      b"&returnurl=https%3A%2F%2Fshop.example.com%2Fbill%2Freturn&timestamp=20130808171939&period=M2"
      b"&period_custom=&carduse=&merchantreserved=below1000%3DY&p_noti=&hashdata=964bc7c98d9b3ca3a1375d97bd5637a92209869b55f397ea8a47f9b088fe9c69")
write("form_decode", "edge_cases_utf8", 1, b"a=1&&b=2&c&=v&P_RMESG1=a+b=c&P_X=%3D&bad=%zz&tail=%4")

# --- auth_result -----------------------------------------------------------
write("auth_result", "capture_ks_utf8", 1, form(AUTH_OK))
write("auth_result", "sandbox_utf8", 1, form(
    [(k, "http://127.0.0.1:8081/smart/payReq.ini" if k == "P_REQ_URL" else v) for k, v in AUTH_OK if k != "idc_name"]))
write("auth_result", "user_cancel_euckr", 0, form(
    [("P_STATUS", "01"), ("P_RMESG1", "사용자가 결제를 취소하셨습니다."), ("P_TID", ""), ("P_REQ_URL", ""),
     ("P_NOTI", "order=42")], EUC))
write("auth_result", "isp_double_encoded_utf8", 1, form(
    [(k, pe(v) if k == "P_RMESG1" else v) for k, v in AUTH_OK]))

# --- approval_reply (bit 1: verify against the reply's own order) ----------
write("approval_reply", "isp_card_euckr", 2, ISP.encode(EUC))
write("approval_reply", "card_utf8", 3, CARD.encode())
write("approval_reply", "vbank_euckr", 2, VBANK.encode(EUC))
write("approval_reply", "mobile_utf8", 3, MOBILE.encode())
write("approval_reply", "bank_cash_receipt_utf8", 3, BANK.encode())
write("approval_reply", "culture_utf8", 3, CULTURE.encode())
write("approval_reply", "unknown_tid_euckr_for_utf8", 1, "P_STATUS=01&P_RMESG1=거래정보가 없습니다.".encode(EUC))

# --- notification (bits 1-2: 0 tolerant, 1 only14, 2 only12) ---------------
write("notification", "vbank_deposit_euckr", 0, DEPOSIT)
write("notification", "vbank_issuance_yy_euckr", 4, DEPOSIT
      .replace(b"P_STATUS=02", b"P_STATUS=00").replace(b"P_AUTH_DT=20160505093012", b"P_AUTH_DT=160504112904"))
write("notification", "card_1trs_utf8", 3, form(
    [("P_TID", "INIMX_ISP_INIpayTest20200821102612225347"), ("P_MID", "INIpayTest"), ("P_AUTH_DT", "20200821102612"),
     ("P_STATUS", "00"), ("P_TYPE", "CARD"), ("P_OID", "I1234567890123"), ("P_FN_CD1", "06"), ("P_FN_NM", "국민카드"),
     ("P_AMT", "1005"), ("P_UNAME", "홍길동"), ("P_RMESG1", "성공적으로 처리 하였습니다."), ("P_RMESG2", "00"),
     ("P_NOTI", ""), ("P_AUTH_NO", "22043784"), ("P_SRC_CODE", "A"), ("P_CARD_ISSUER_CODE", "04"),
     ("P_CARD_NUM", "536510*********8"), ("P_PRTC_CODE", "1")]))
write("notification", "deposit_cash_receipt_euckr", 2, DEPOSIT + b"&P_CSHR_AMT=1000&P_CSHR_SUP_AMT=909"
      b"&P_CSHR_TAX=91&P_CSHR_SRVC_AMT=0&P_CSHR_TYPE=0&P_CSHR_DT=20160505093012&P_CSHR_AUTH_NO=123456789")

# --- net_cancel_reply ------------------------------------------------------
write("net_cancel_reply", "cancelled_utf8", 1, form(
    [("P_STATUS", "00"), ("P_RMESG1", "정상처리되었습니다."), ("P_TID", "INIMX_CARDINIpayTest20241030120339525932"),
     ("P_AMT", "2000")]))
write("net_cancel_reply", "unknown_tid_euckr_for_utf8", 1, "P_STATUS=01&P_RMESG1=거래정보가 없습니다.".encode(EUC))
write("net_cancel_reply", "cancelled_euckr_raw", 0,
      "P_STATUS=00&P_RMESG1=망취소 성공&P_TID=INIMX_AUTHINIpayTest20241029164022745656".encode(EUC))

# --- billing_result (bit 1: key-prefix IV; bit 2: encrypted form; bit 3: decrypt body) ---
write("billing_result", "issued_card_utf8", 1, form(BILL_OK))
write("billing_result", "issued_encrypted_zero_iv_utf8", 5, form(
    [(k, "V6LdAjEUr5zcaqNlP2a+/JV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX" if k == "billkey" else v)
     for k, v in BILL_OK] + [("data1", "SnHW7X+HFo+5OHj0w06ZnCLhy7PqNOZ5Ydk9EH0INfs=")]))
write("billing_result", "issued_encrypted_key_iv_utf8", 7, form(
    [(k, "8Ak9Dq5vm3F2HkZvc11PlxfcZ5vO1vuj+8ckJagDFCEIQ0+HtKQFUWJu3h3577o/" if k == "billkey" else v)
     for k, v in BILL_OK]))
write("billing_result", "user_cancel_utf8", 1, form(
    [("resultcode", "01"), ("resultmsg", "[cancel] 사용자가 취소하였습니다."), ("orderid", "ORDERID1234"),
     ("mid", "INIBillTst")]))
write("billing_result", "inilitepay_camel_case_utf8", 1, form(
    [("resultCode", "00"), ("resultMsg", "정상처리"), ("tid", "INIBillTst20130808171955123456"),
     ("billKey", "734f880246ece4ffdba841c1436399c9968d32cc"), ("orderId", "ORDERID1234"), ("mid", "INIBillTst")]))
write("billing_result", "decrypt_wire_value", 9,
      b"V6LdAjEUr5zcaqNlP2a%2B%2FJV3h2QV4mzh2CiqJFV8fvYAiPgFQ5DxtsrHMCXWWRJX")

# --- iniapi_v1 (bits 0-1: billing, refund, partial refund, inquiry) --------
write("iniapi_v1", "billing_ok", 0, '{"resultCode":"00","resultMsg":"[신용카드|빌링이 정상적으로 이루어졌습니다.]",'
      '"tid":"INIAPICARDINIBillTst20240101120000123456","payDate":"20240101","payTime":"120001",'
      '"payAuthCode":"00862734","cardCode":"04","checkFlg":"0","payAuthQuota":"00","prtcCode":"1","price":"1000"}'.encode())
write("iniapi_v1", "billing_1113", 0,
      '{"resultCode":"01","resultMsg":"[1113][실시간빌링실패|요청금액 0원 이하]","tid":null,"price":""}'.encode())
write("iniapi_v1", "refund_ok", 1, '{"resultCode":"00","resultMsg":"정상처리되었습니다.","cancelDate":"20220210",'
      '"cancelTime":"004139","receiptInfo":"","cshrCancelNum":"","detailResultCode":""}'.encode())
write("iniapi_v1", "refund_already_cancelled", 1,
      '{"resultCode":"01","resultMsg":"기 취소 거래","detailResultCode":"512626"}'.encode())
write("iniapi_v1", "partial_refund_ok", 2, '{"resultCode":"00","resultMsg":"정상처리되었습니다.",'
      '"tid":"StdpayCARDINIpayTest20240101120001123456","prtcTid":"StdpayCARDINIpayTest20210101111111111111",'
      '"prtcPrice":"500","prtcRemains":"500","prtcCnt":"1","prtcType":"1","prtcDate":"20240101","prtcTime":"120001"}'.encode())
write("iniapi_v1", "inquiry_ok", 3, '{"resultCode":"00","resultMsg":"정상","tid":"StdpayCARDINIpayTest20210101111111111111",'
      '"price":"1000","status":"0","applDate":"20210101","applTime":"111111"}'.encode())

# --- iniapi_v2 (no control byte) -------------------------------------------
write("iniapi_v2", "inquiry_vacct", None, '{"resultCode":"00","resultMsg":"정상처리","tid":"StdpayVBNKINIpayTest20231012133902671264",'
      '"mid":"INIpayTest","oid":"INIpayTest_1697085542","price":"1000","goodsName":"테스트상품","paymethod":"VBank",'
      '"approvedDate":"20231012","approvedTime":"133902","buyerName":"홍길동","buyerTel":"01012345678",'
      '"buyerMail":"test@test.com","transactionStatus":"0","availablePartCancel":"Y","availablePartCancelPrice":1000,'
      '"partCancelTransInfo":[],"vacctInfo":{"accountNumber":"56211101573948","bankName":"신한은행","bankCode":"88",'
      '"accountName":"이니시스㈜테스트입","senderName":"홍길동","validDate":"20231019","depositStatus":"Y",'
      '"depositBankName":"신한은행","depositBankCode":"88","depositAmount":"1000","depositName":"홍길동",'
      '"depositDate":"20231013","depositTime":"101010"}}'.encode())
write("iniapi_v2", "partial_refund_numbers", None, '{"resultCode":"00","resultMsg":"정상처리되었습니다.",'
      '"tid":"StdpayCARDINIpayTest20240101120001123456","prtcTid":"StdpayCARDINIpayTest20210101111111111111",'
      '"prtcPrice":700,"prtcRemains":300,"prtcCnt":1,"prtcType":"1","prtcDate":"20240101","prtcTime":"120001"}'.encode())
write("iniapi_v2", "refund_ok", None, '{"resultCode":"00","resultMsg":"정상처리되었습니다.","cancelDate":"20240101","cancelTime":"120000"}'.encode())
write("iniapi_v2", "billing_1195_bom", None,
      b"\xef\xbb\xbf" + '{"resultCode":"01","resultMsg":"[1195][빌링키 미등록]","price":null,"vacctInfo":"x"}'.encode())

# --- text_fields (byte 0 mod 20 = validator; 19 + 20*L = check_text with limit L) ---
for control, name, value in [
    (0, "order_id", "ORD20240101120000001"), (1, "goods", "테스트상품"), (2, "uname", "홍길동"),
    (3, "noti", "tb_item_cart.ic_seq"), (4, "buyer_name", "홍길동"), (5, "phone", "010-1234-5678"),
    (6, "email", "test@test.com"), (7, "mid", "INIpayTest"), (8, "tid", "INIMX_AUTHINIpayTest20241029164022745656"),
    (9, "amount", "2000"), (10, "mask", "\x0301012345678"), (11, "datetime", "20241030120339"),
    (12, "client_ip", "192.0.0.1"), (13, "bank_code", "88"), (14, "codes", "VBANK"),
    (15, "classify", "01|[1113][실시간빌링실패|요청금액 0원 이하]|"), (16, "log_escape", "P_FOO\nINFO paid\u202e"),
    (17, "euc_kr_len", "이니시스㈜테스트입"), (18, "euc_kr_encode", "현대(다이너스)카드"), (99, "check_text_4", "상품"),
]:
    write("text_fields", name, control, value.encode())

# --- order_fields (bits 0-2: method or 7 = billing; fields split by 0xFF) ---
def fields(*values):
    return b"\xff".join(v.encode() for v in values)

write("order_fields", "card", 0x00, fields("ORD20240101120000001", "테스트상품", "홍길동", "01012345678",
      "test@test.com", "tb_item_cart.ic_seq", "1000"))
write("order_fields", "vbank_noti_deadline", 0x4a, fields("INIpayTest_1462328917187", "테스트상품", "홍길동", "", "",
      "", "1000", "", "20240110", "2359", "", "20240101"))
write("order_fields", "mobile_offer_euckr", 0x23, fields("6e9143d98da24514", "월 구독", "정상상", "010-1234-5678", "",
      "", "2000", "181", "", "", "M2"))
write("order_fields", "billing_card", 0x07, fields("ORDERID1234", "월정액", "홍길동", "01012345678",
      "test@example.com", "", "1000", "", "", "", "M2"))
write("order_fields", "billing_phone_encrypted", 0xd7, fields("SUB-1", "월정액", "홍길동", "01012345678",
      "test@example.com", "p_noti", "9900", "", "", "", "2024010120241231"))

# --- adapter_request (bits 0-1: oid, method, P_STATUS, ""; query, then "\n" header lines) ---
write("adapter_request", "next_query_euckr", 0, b"oid=ORD-1&" + form(AUTH_OK, EUC) + b"\n203.0.113.9, 39.115.212.9")
write("adapter_request", "checkout_method", 1, b"method=CARD&oid=ORD%2D1\n10.0.0.1\n[::1]:8080")
write("adapter_request", "malformed", 2, b"P_STATUS=%0&oid\n1.2.3.4:notaport\n\xff")
