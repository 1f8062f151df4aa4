"""The two news articles the province's published figures come from (shared/seeds/): the Quảng Ninh
data cites them, and the open-data package lists them as its sources."""

ARTICLE_2017 = "Báo Quảng Ninh, 28/09/2017: sơ kết 2 năm Quyết định 44-QĐ/TU"
ARTICLE_2019 = "Báo Quảng Ninh: hợp nhất Tổ chức - Nội vụ, Kiểm tra - Thanh tra cấp huyện"
