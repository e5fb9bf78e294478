## Frame
app-name = 會員中心
skip-to-content = 跳至主要內容
switch-project = 切換計畫
user-menu = 帳戶選單
nav-overview = 總覽
nav-language = 語言
nav-sign-out = 登出
back-home = 回到總覽
cancel = 取消
confirm = 確認
close = 關閉

## Sign-in
signin-title = 登入
signin-intro = 登入以管理您的計畫、API 金鑰與資源配額。
signin-submit = 登入
signin-failed = 帳號或密碼不正確。
signin-throttled = 此帳號登入失敗次數過多，請於 { $minutes } 分鐘後再試。
signin-locked = 此帳戶已被鎖定，請聯絡客服人員解除鎖定。
field-username = 帳號
field-password = 密碼

## Projects
overview-title = 總覽
welcome = 歡迎，{ $name }。
no-projects = 您尚未加入任何計畫，請洽計畫的租戶管理員將您加入。
your-projects = 我的計畫
project-code = 計畫代碼
project-name = 計畫名稱
project-role = 您的角色
project-status = 狀態
project-period = 計畫期間
project-status-active = 執行中
project-status-suspended = 已暫停
project-status-closed = 已結束
role-tenant-admin = 租戶管理員
role-tenant-user = 租戶使用者
switched-project = 目前計畫已切換為 { $project }。

## Errors
error-id = 錯誤代碼
error-title-400 = 無法處理此請求
error-title-403 = 沒有權限
error-title-404 = 找不到頁面
error-title-409 = 已經存在
error-title-500 = 系統發生錯誤
error-not-found = 此處沒有內容，或您沒有存取權限。
error-forbidden = 您沒有執行此操作的權限。
error-unauthenticated = 請先登入。
error-csrf = 此表單已失效，請重新整理頁面後再試一次。
error-internal = 系統發生錯誤。
error-internal-id = 系統發生錯誤。錯誤代碼：{ $id }
error-bad-form = 無法讀取表單內容，請重新整理頁面後再試一次。
error-bad-query = 網址中有無法讀取的參數。
error-bad-language = 不支援此語言。
error-no-project = 請先選擇計畫：您尚未加入任何計畫。
account-exists = 已有帳戶使用此帳號或電子郵件。
project-exists = 已有計畫使用此代碼。
member-exists = 此帳戶已是本計畫的成員。

## Validation
invalid-username = 請使用 3 至 32 個小寫英文字母、數字、句點、連字號或底線，並以英文字母開頭。
invalid-email = 請輸入有效的電子郵件地址，例如 name@example.org。
invalid-display-name = 請輸入 1 至 100 個字元的名稱。
password-too-short = 密碼至少需要 12 個字元。
password-too-long = 密碼最多 1024 個字元。
password-is-username = 密碼不可與帳號相同。
invalid-project-code = 請使用 3 至 20 個英文字母與數字，例如 MST110001。
invalid-project-name = 請輸入 1 至 100 個字元的名稱。

## Generic
optional = 選填
edit = 編輯
done = 完成
copy = 複製
copied = 已複製
actions = 操作
pages = 分頁
page-previous = 上一頁
page-next = 下一頁
page-of = 第 { $page } 頁
nav-api-keys = API 金鑰

## API keys
keys-title = API 金鑰
keys-intro = 金鑰讓雲端服務與命令列工具以您的身分在本計畫中操作。每個計畫最多可持有 { $max } 把金鑰。
keys-empty = 您在本計畫中尚無 API 金鑰。建立一把金鑰即可呼叫雲端 API。
keys-count = 共 { $count } 把金鑰
keys-select = 選取
keys-delete = 刪除
key-select = 選取金鑰 { $key }
key-menu = 金鑰 { $key } 的操作
key-create = 建立 API 金鑰
key-create-intro = 金鑰只會在建立後顯示一次，請妥善保存。
key-id = 金鑰 ID
key-name = 名稱
key-secret = 金鑰
key-project = 計畫
key-created = 建立時間
key-expires = 到期時間
key-status = 狀態
key-last-used = 最後使用
key-never-used = 從未使用
key-status-active = 有效
key-status-expired = 已過期
key-status-expires-in = { $days } 天後到期
key-validity = 有效天數
key-validity-help = 1 至 { $max } 的整數天數。
key-created-title = 您的新 API 金鑰
key-created-warning = 請立即複製此金鑰，之後將不會再顯示。
key-created-label = 金鑰 { $key }
key-created-expires = 有效期限至 { $time }。
key-edit-title = 編輯 API 金鑰
key-extend = 延長天數
key-extend-help = 1 至 365 的整數，自目前到期時間起算（已過期的金鑰自現在起算）。若只要更改名稱，請留空。
key-updated = 金鑰 { $key } 已儲存。
key-name-invalid = 名稱最多 64 個字元，且不可含控制字元。
key-limit = 您在本計畫中已持有 { $max } 把金鑰，已達上限。請先刪除一把。
key-too-long = 金鑰最長只能自現在起有效 { $days } 天，也就是至 { $latest } 為止。
days-invalid = 請輸入 1 至 { $max } 的整數天數。
keys-delete-title = 刪除 API 金鑰
keys-delete-intro = 將刪除以下 { $count } 把金鑰：
keys-delete-warning = 刪除後無法復原，使用這些金鑰的服務將立即停止運作。
keys-delete-confirm = 確認刪除
keys-deleted = 已刪除 { $count } 把金鑰。
keys-none-selected = 請先選取至少一把金鑰。
keys-expiring-banner = 您有 { $count } 把 API 金鑰將於 7 天內到期。
keys-review = 檢視金鑰

## JSON API
api-missing-key = 請在 x-api-key 標頭中提供您的 API 金鑰。
api-invalid-key = 此 API 金鑰無效。
api-expired-key = 此 API 金鑰已過期，請至 API 金鑰頁面延長效期。
api-key-disabled = 此 API 金鑰已停用：帳戶已被鎖定，或已不是本計畫的成員。

## Quotas
nav-quota = 資源配額
quota-title = 資源配額管理
quota-intro = 計畫與各成員的資源用量及配額。點選成員即可編輯其配額。
quota-service-menu = 服務用量/配額
quota-project-usage = 計畫用量 / 配額：{ $service }
quota-members = 成員
quota-members-help = 未設定個人配額的成員，最多可使用至計畫配額。
quota-unlimited = 無上限
quota-unlimited-note = 此資源未設定上限。
quota-over = 已超出配額：在用量降低前，新的資源配置將被拒絕。
quota-unknown-service = 未知的服務：請選擇容器運算或虛擬運算。
quota-edit-title = 編輯配額
quota-edit-help = 請輸入整數；留空（或 -1）表示無上限——成員仍受計畫配額限制。
quota-field-help = 目前用量：{ $usage }。
quota-project-limit = 計畫配額：{ $limit }。
quota-invalid = 請輸入 -1 至 { $max } 的整數（留空或 -1 表示無上限）。
quota-above-project = 超過計畫配額 { $limit }。
quota-saved = 已儲存 { $name } 的配額。
quota-below-usage = 新配額低於目前用量：既有的資源配置保留，新的配置將被拒絕。
member-name = 姓名
service-ccs = 容器運算
service-vcs = 虛擬運算
service-hpc = 高速運算
service-cos = 雲端物件儲存
service-registry = 容器映像檔倉庫
resource-cpu = CPU
resource-gpu = GPU
resource-memory = 記憶體
resource-floating-ip = 浮動 IP
unit-cores = { $n } 核心
unit-gpus = { $n } 張 GPU
unit-gib = { $n } GiB
unit-ips = { $n } 個 IP
api-body-not-json = 請求內容必須是 JSON 物件。
api-service-unknown = 未知的服務：請使用 ccs 或 vcs。
api-resources-missing = 請在 "resources" 中至少指定一項資源，例如 "cpu": 4。
api-resource-unknown = 此服務沒有這項資源。
api-amount-invalid = 請提供 0 至 { $max } 的整數。
api-idempotency-key = 請提供 1 至 128 個字元的 idempotency_key。
api-service-not-permitted = 此成員在本計畫中沒有使用此服務的權限。
api-quota-exceeded = 配額不足：詳見 details。
